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

policy polling_policy() {
    policy p{20us};
    sleep_times(p, policy::sleeps_between_trials);
    return p;
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

// 1 KiB HTTPS under tests/bench/run.sh catches about 7 of 8.
TEST(IdlePollPolicy, KeepsPollingWhileMostPollsFindWork) {
    policy p = polling_policy();
    for (int i = 0; i < 10000; ++i) {
        p.polled(i % 8 != 7);
        ASSERT_EQ(p.window(), 20us) << "poll " << i;
    }
}

// The same share, with the misses in runs of eight: an average, not each stretch, decides.
TEST(IdlePollPolicy, ClusteredMissesDoNotStopIt) {
    policy p = polling_policy();
    for (int i = 0; i < 10000; ++i) {
        p.polled(i % 64 >= 8);
        ASSERT_EQ(p.window(), 20us) << "poll " << i;
    }
}

TEST(IdlePollPolicy, StopsWhenHalfThePollsMiss) {
    policy p = polling_policy();
    int polls = 0;
    for (; polls < 1000 && p.window() > 0us; ++polls) p.polled(polls % 2 == 0);
    EXPECT_EQ(p.window(), 0us);
    EXPECT_LT(polls, 100);
}

// Light load: every poll misses. The trial ends after 19 (the average falls below 3/4).
TEST(IdlePollPolicy, ATrialOfMissesEndsQuickly) {
    policy p = polling_policy();
    for (int i = 0; i < 18; ++i) p.polled(false);
    EXPECT_EQ(p.window(), 20us);
    p.polled(false);
    EXPECT_EQ(p.window(), 0us);
}

TEST(IdlePollPolicy, AfterAFailedTrialWaitsTheFullSpellAgain) {
    policy p = polling_policy();
    while (p.window() > 0us) p.polled(false);
    sleep_times(p, policy::sleeps_between_trials - 1);
    EXPECT_EQ(p.window(), 0us);
    p.slept();
    EXPECT_EQ(p.window(), 20us);
    p.polled(true);
    EXPECT_EQ(p.window(), 20us) << "a new trial starts from a clean average";
}

// Idle or lightly loaded (every trial fails), polling stays one short trial per spell of sleeps.
TEST(IdlePollPolicy, LightLoadPollsOneShortTrialPerSpell) {
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
    EXPECT_GT(polled, 0);
    EXPECT_LE(polled * policy::sleeps_between_trials, (slept + policy::sleeps_between_trials) * 19);
}

TEST(IdlePollPolicy, AZeroMaximumNeverPolls) {
    policy p{0us};
    sleep_times(p, 3 * policy::sleeps_between_trials);
    EXPECT_EQ(p.window(), 0us);
}

}  // namespace
}  // namespace gangway
