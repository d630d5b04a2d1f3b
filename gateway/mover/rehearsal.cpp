#include "gateway/mover/rehearsal.hpp"

#include <memory>
#include <optional>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include "common/db/db_pool.hpp"
#include "gateway/mover/destination_writer.hpp"
#include "gateway/mover/fault_points.hpp"
#include "gateway/mover/move_progress.hpp"
#include "gateway/mover/row_cleanser.hpp"
#include "gateway/mover/row_walker.hpp"
#include "gateway/mover/set_tasks.hpp"

namespace gangway::mover {
namespace {

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
}

// Empty copies of the destination's tables in the scratch database.
void prepare_scratch(sql::Connection& c, const layout_map& layouts, const rehearsal_settings& s) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    const std::string scratch = quote_identifier(s.scratch_database);
    st->execute("CREATE DATABASE IF NOT EXISTS " + scratch +
                " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
    for (const auto& [name, layout] : layouts) {
        const std::string table = scratch + "." + quote_identifier(name);
        st->execute("DROP TABLE IF EXISTS " + table);
        st->execute("CREATE TABLE " + table + " LIKE " + quote_identifier(s.destination_database) +
                    "." + quote_identifier(name));
    }
}

// The account id as the cleansed rows carry it (the root key may have a rule).
std::string cleansed_account(const move_context& ctx, const std::string& key, const std::string& id) {
    const table_layout& root = ctx.layouts.find(ctx.model.root_table)->second;
    for (const auto& rule : ctx.model.rules_for(ctx.model.root_table).cleanse) {
        if (rule.column != ctx.model.root_key) continue;
        return cleanse_field(rule, root.columns[*root.find(rule.column)], key, id).value_or(id);
    }
    return id;
}

// The account's selection, when its sets are the walker's rows in that database.
std::optional<set_selection> sets_at(db_pool& db, const move_context& ctx, const std::string& id) {
    set_selection sets(ctx.model, ctx.plan, ctx.layouts, {id});
    if (!sets.usable()) return std::nullopt;
    if (open_edge_at(db, sets, ctx.model.root_table, "checking the cycles of the account's rows")) {
        return std::nullopt;
    }
    return sets;
}

// Rows per table (tables without any left out, as a walk finds them); `spans`, when set,
// gets the key spans the copy splits tables by.
std::map<std::string, std::uint64_t> count_rows(db_pool& db, const move_context& ctx,
                                                const layout_map& layouts, const std::string& id,
                                                const std::string& where,
                                                std::map<std::string, key_span>* spans = nullptr) {
    if (const auto sets = sets_at(db, ctx, id)) {
        std::map<std::string, std::uint64_t> counts;
        for (const auto& [table, count] : count_tables(db, *sets, ctx.layouts, sets->tables(), ctx.jobs, where)) {
            if (count.rows) counts[table] = count.rows;
            if (spans && count.span) (*spans)[table] = *count.span;
        }
        return counts;
    }
    std::map<std::string, std::uint64_t> out;
    row_walker walker(ctx.model, ctx.plan, layouts);
    auto done = db.run_blocking([&](sql::Connection& c) {
        out.clear();
        walker.walk(c, {id}, [&](const table_layout& t, std::vector<table_row>& rows) {
            out[t.name] += rows.size();
        });
        return true;
    });
    if (!done) throw std::runtime_error(done.message);
    return out;
}

// Rows per table of the scratch copy, found as the real move's verify finds the destination's:
// the same sums over the same key parts (a part's whole range first), so that the time they
// take predicts verify's. Without usable sets, counted by a walk.
std::map<std::string, std::uint64_t> summed_rows(db_pool& db, const move_context& ctx, const layout_map& lean,
                                                 const std::string& id, const std::string& where,
                                                 const std::map<std::string, key_span>& spans) {
    const auto sets = sets_at(db, ctx, id);
    if (!sets) return count_rows(db, ctx, lean, id, where);
    std::map<std::string, std::uint64_t> counts;
    for (const auto& [table, sum] : sum_tables(db, *sets, ctx.layouts, sets->tables(), ctx.jobs, where, spans, true)) {
        if (sum.rows) counts[table] = sum.rows;
    }
    return counts;
}

// One walk in one snapshot, where the sets would not be the walker's rows.
void copy_by_walk(const move_context& ctx, const std::string& id, const row_cleanser& cleanser,
                  destination_writer& writer) {
    row_walker walker(ctx.model, ctx.plan, ctx.layouts);
    auto copied = ctx.source.run_blocking([&](sql::Connection& c) {
        walker.walk(c, {id}, [&](const table_layout& t, std::vector<table_row>& rows) {
            cleanser.cleanse(t, rows);
            writer.write(t, std::move(rows));
        });
        return true;
    });
    if (!copied) throw std::runtime_error("copying: " + copied.message);
}

}  // namespace

move_result rehearse_move(const move_context& ctx, const rehearsal_settings& s,
                          std::uint64_t account) {
    const std::string id = std::to_string(account);
    nlohmann::json report{{"account", account}, {"outcome", "rehearsed"}, {"from", ctx.from_site},
                          {"to", ctx.to_site}, {"scratch_database", s.scratch_database}};
    try {
        ctx.progress.phase(account, "rehearsal", "scratch database " + s.scratch_database);
        auto prepared = ctx.destination.run_blocking([&](sql::Connection& c) {
            prepare_scratch(c, ctx.layouts, s);
            return true;
        });
        if (!prepared) throw std::runtime_error("preparing the scratch database: " + prepared.message);
        std::map<std::string, key_span> spans;
        const auto source_rows =
            count_rows(ctx.source, ctx, walk_layouts(ctx.layouts, ctx.model, ctx.plan), id, ctx.from_site, &spans);
        ctx.progress.expect(source_rows);
        source_written_point(ctx.source.settings());  // a test hook: the app writes meanwhile

        ctx.progress.phase(account, "copy (cleansed)", std::to_string(ctx.jobs) + " writers");
        const auto copy_started = clock::now();
        row_cleanser cleanser(ctx.model, s.cleansing_key);
        destination_writer writer(*s.scratch, ctx.jobs, false,
                                  [&](const std::string& table, std::size_t rows, std::uint64_t bytes) {
                                      ctx.progress.rows(table, rows, bytes);
                                  });
        if (const auto sets = sets_at(ctx.source, ctx, id)) {
            // As the real move copies: several tables at once, the biggest first. Without the
            // lock each table is read in a snapshot of its own.
            copy_sets(ctx.source, *sets, ctx.layouts, biggest_first(sets->tables(), source_rows),
                      ctx.jobs, writer, &cleanser, spans);
        } else {
            copy_by_walk(ctx, id, cleanser, writer);
        }
        writer.finish();
        ctx.progress.settle();
        const double copy_seconds = seconds_since(copy_started);

        ctx.progress.phase(account, "verify (row counts and sums, as the move's)");
        const auto verify_started = clock::now();
        const auto lean = digest_layouts(ctx.layouts, ctx.model, ctx.plan, true);
        // The scratch database holds the account's rows alone, so a key range whose keys the
        // cleansing changed still counts right: its rows are in the range or the outside part.
        const auto scratch_rows = summed_rows(*s.scratch, ctx, lean, cleansed_account(ctx, s.cleansing_key, id),
                                              s.scratch_database, spans);
        const double verify_seconds = seconds_since(verify_started);
        // Against what was copied, not the count before it: without a lock the app may write
        // the account's rows meanwhile.
        std::map<std::string, std::uint64_t> copied_rows;
        for (const auto& [table, total] : writer.totals()) {
            if (total.rows) copied_rows[table] = total.rows;
        }
        if (scratch_rows != copied_rows) {
            throw std::runtime_error("the scratch copy's rows of the account are not the rows copied: the "
                                     "cleansing rules change a value a relationship follows");
        }
        nlohmann::json tables = nlohmann::json::object();
        for (const auto& [table, total] : writer.totals()) {
            tables[table] = {{"rows", total.rows}, {"bytes", total.bytes}, {"write_seconds", total.seconds}};
        }
        const double fence = std::chrono::duration<double>(s.fence_estimate).count();
        report["tables"] = tables;
        report["timings"] = {{"copy_seconds", copy_seconds}, {"verify_seconds", verify_seconds},
                             {"fence_estimate_seconds", fence}};
        report["predicted_lock_window_seconds"] = fence + copy_seconds + verify_seconds;
        ctx.progress.report(report);
    } catch (const std::exception& e) {
        return {move_result::outcome::failed,
                "account " + id + ": rehearsal failed: " + e.what() +
                    ". Nothing was locked or flipped; the scratch database " + s.scratch_database +
                    " may hold part of the copy (the next rehearsal re-creates it).",
                report};
    }
    return {move_result::outcome::rehearsed,
            "account " + id + ": rehearsal done; predicted lock window " +
                std::to_string(report["predicted_lock_window_seconds"].get<double>()) +
                " s. Nothing was locked or flipped.",
            report};
}

}  // namespace gangway::mover
