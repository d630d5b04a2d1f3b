// When the gateway's event loop polls before it sleeps (server.idle_poll_us).
#include "gateway/server/event_loop.hpp"

#include <gtest/gtest.h>

namespace gangway {
namespace {

using namespace std::chrono_literals;
using policy = idle_poll_policy;

void sleep_times(policy& p, int n) {
    for (int i = 0; i < n; ++i) p.slept();
}

void poll_batch(policy& p, int caught) {
    for (int i = 0; i < policy::polls_per_batch; ++i) p.polled(i < caught);
}

TEST(IdlePollPolicy, StartsBySleeping) {
    policy p{20us};
    EXPECT_EQ(p.window(), 0us);
}

TEST(IdlePollPolicy, TriesPollingAfterManySleeps) {
    policy p{20us};
    sleep_times(p, policy::sleeps_between_trials - 1);
    EXPECT_EQ(p.window(), 0us);
    p.slept();
    EXPECT_EQ(p.window(), 20us);
}

TEST(IdlePollPolicy, KeepsPollingWhileMostPollsFindWork) {
    policy p{20us};
    sleep_times(p, policy::sleeps_between_trials);
    for (int batch = 0; batch < 10; ++batch) {
        poll_batch(p, policy::caught_to_keep_polling);
        EXPECT_EQ(p.window(), 20us) << "batch " << batch;
    }
}

TEST(IdlePollPolicy, StopsWhenABatchFindsTooLittle) {
    policy p{20us};
    sleep_times(p, policy::sleeps_between_trials);
    poll_batch(p, policy::polls_per_batch);
    poll_batch(p, policy::caught_to_keep_polling - 1);
    EXPECT_EQ(p.window(), 0us);
}

// A batch is judged only when it is complete: a few misses at its start change nothing yet.
TEST(IdlePollPolicy, ABatchIsJudgedWhole) {
    policy p{20us};
    sleep_times(p, policy::sleeps_between_trials);
    for (int i = 0; i < policy::polls_per_batch - 1; ++i) {
        p.polled(false);
        ASSERT_EQ(p.window(), 20us) << "poll " << i;
    }
    p.polled(false);
    EXPECT_EQ(p.window(), 0us);
}

TEST(IdlePollPolicy, AfterAFailedTrialWaitsTheFullSpellAgain) {
    policy p{20us};
    sleep_times(p, policy::sleeps_between_trials);
    poll_batch(p, 0);
    ASSERT_EQ(p.window(), 0us);
    sleep_times(p, policy::sleeps_between_trials - 1);
    EXPECT_EQ(p.window(), 0us);
    p.slept();
    EXPECT_EQ(p.window(), 20us);
}

// Idle or lightly loaded (every trial fails), the share of idle moments spent polling stays
// one batch per spell of sleeps.
TEST(IdlePollPolicy, LightLoadPollsOneBatchPerSpell) {
    policy p{20us};
    int polled = 0, slept = 0;
    for (int i = 0; i < 100000; ++i) {
        if (p.window() > 0us) {
            p.polled(false);
            ++polled;
        } else {
            p.slept();
            ++slept;
        }
    }
    EXPECT_LE(polled * policy::sleeps_between_trials, (slept + policy::sleeps_between_trials) * policy::polls_per_batch);
    EXPECT_GT(polled, 0);
}

TEST(IdlePollPolicy, AZeroMaximumNeverPolls) {
    policy p{0us};
    sleep_times(p, 3 * policy::sleeps_between_trials);
    EXPECT_EQ(p.window(), 0us);
}

}  // namespace
}  // namespace gangway
