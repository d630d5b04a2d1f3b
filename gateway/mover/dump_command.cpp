#include "gateway/mover/dump_command.hpp"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include "common/config/config_loader.hpp"
#include "common/db/db_pool.hpp"
#include "gateway/exit_codes.hpp"
#include "gateway/mover/catalog_reader.hpp"
#include "gateway/mover/dump_progress.hpp"
#include "gateway/mover/dump_writer.hpp"
#include "gateway/mover/row_cleanser.hpp"
#include "gateway/mover/row_walker.hpp"
#include "gateway/mover/set_reader.hpp"
#include "gateway/mover/sql_literal.hpp"
#include "gateway/mover/table_layout.hpp"
#include "gateway/mover/traversal_plan.hpp"
#include "gateway/mover/walkable_model.hpp"

namespace gangway::mover {
namespace {

struct dump_options {
    std::string config_path;
    std::string schema_path;
    std::string output;
    bool cleanse = false;
    unsigned chunks = 0;  // 0: the model's [dump] chunks
    std::vector<std::string> accounts;
};

// Everything the walk needs, each part validated; nullopt (and the exit code) when a part
// is unusable.
struct dump_job {
    schema_ptr model;
    traversal_plan plan;
    database_config database;
    std::optional<std::string> cleansing_key;
};

int fail(int code, const std::string& message) {
    std::cerr << "gangway dump: " << message << "\n";
    return code;
}

std::optional<dump_job> prepare(const dump_options& o, int& code) {
    code = exit_usage;
    auto walkable = load_walkable_model(o.schema_path, "gangway dump");
    if (!walkable) return std::nullopt;
    dump_job job{walkable->model, std::move(walkable->plan), {}, {}};
    const auto cfg = load_config(o.config_path);
    for (const auto& e : cfg.errors) std::cerr << e.to_string() << "\n";
    if (!cfg.value) return std::nullopt;
    if (!cfg.value->database) {
        fail(exit_usage, o.config_path + ": the config has no [database] section");
        return std::nullopt;
    }
    job.database = *cfg.value->database;
    job.database.pool_size = 1;
    if (o.cleanse) {
        auto key = load_cleansing_key(job.model->cleansing_key);
        if (!key.key) {
            fail(exit_usage, "--cleanse: " + key.error);
            return std::nullopt;
        }
        job.cleansing_key = std::move(key.key);
    }
    return job;
}

// The account ids as the server prints root.key ("42" for "042"); nullopt when one is not a
// valid integer for an integer key.
std::optional<std::vector<std::string>> account_ids(const dump_options& o,
                                                    const table_layout& root,
                                                    const std::string& root_key) {
    const layout_column& key = root.columns[*root.find(root_key)];
    if (key.kind != value_kind::integer) return o.accounts;
    std::vector<std::string> out;
    for (const auto& a : o.accounts) {
        long long signed_id = 0;
        unsigned long long id = 0;
        const char* end = a.data() + a.size();
        if (auto r = std::from_chars(a.data(), end, id); r.ec == std::errc() && r.ptr == end) {
            out.push_back(std::to_string(id));
        } else if (auto s = std::from_chars(a.data(), end, signed_id);
                   s.ec == std::errc() && s.ptr == end) {
            out.push_back(std::to_string(signed_id));
        } else {
            fail(exit_usage, "ACCOUNT " + a + ": not an integer, as " + root.name + "." +
                                 root_key + " (" + key.column_type + ") needs");
            return std::nullopt;
        }
    }
    return out;
}

// The accounts' rows by sets (set_selection), table after table in one snapshot on one
// connection, as fast as the move's copy reads them. False (nothing read) when the sets are
// not the walker's rows in this database (a model that cannot say them as queries, or a cycle
// that reaches further here) or an account has no root row: the walker then reads, or says
// what is wrong.
bool read_by_sets(sql::Connection& c, const dump_job& job, const layout_map& layouts,
                  const std::vector<std::string>& accounts, const row_sink& sink) {
    const set_selection sets(*job.model, job.plan, layouts, accounts);
    if (!sets.usable()) return false;
    prepare_reader_session(c);
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    st->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    // An account without its root row, or a cycle reaching further: the walker says which.
    const std::set<std::string> distinct(accounts.begin(), accounts.end());
    if (count_rows(c, sets, layouts.find(job.model->root_table)->second).rows != distinct.size() ||
        open_edge(c, sets, job.model->root_table)) {
        st->execute("COMMIT");
        return false;
    }
    for (const auto& table : sets.tables()) {
        const table_layout& t = layouts.find(table)->second;
        stream_rows(c, sets, t, [&](std::vector<table_row>& page) { sink(t, page); });
    }
    st->execute("COMMIT");
    return true;
}

std::string file_comment(const dump_options& o, const std::string& database) {
    std::string accounts;
    for (const auto& a : o.accounts) accounts += " " + a;
    return "-- gangway dump of account(s)" + accounts + " from database " + database +
           (o.cleanse ? ", cleansed" : "") +
           "\n-- Rows only: import into a database that has the same tables.\n";
}

int run_dump(const dump_options& o) {
    int code = exit_ok;
    auto job = prepare(o, code);
    if (!job) return code;
    db_pool db(job->database);
    auto catalog = db.run_blocking(
        [&](sql::Connection& c) { return read_catalog(c, job->database.name); });
    if (!catalog) return fail(exit_failed, catalog.message);
    const layouts_result layouts = build_layouts(*job->model, job->plan, *catalog.value);
    for (const auto& e : layouts.errors) std::cerr << e << "\n";
    if (!layouts.errors.empty()) {
        return fail(exit_usage, o.schema_path + " does not fit database " + job->database.name +
                                    "; see `gangway schema check`");
    }
    const table_layout& root = layouts.tables.find(job->model->root_table)->second;
    const auto accounts = account_ids(o, root, job->model->root_key);
    if (!accounts) return exit_usage;

    const unsigned chunks = o.chunks ? o.chunks : job->model->dump_chunks;
    std::optional<dump_writer> writer;
    try {
        writer.emplace(o.output, chunks, file_comment(o, job->database.name));
    } catch (const dump_write_error& e) {
        return fail(exit_failed, e.what());
    }
    std::optional<row_cleanser> cleanser;
    if (job->cleansing_key) cleanser.emplace(*job->model, *job->cleansing_key);
    dump_progress progress(::isatty(STDERR_FILENO) == 1);
    const row_walker walker(*job->model, job->plan, layouts.tables);
    const row_sink sink = [&](const table_layout& t, std::vector<table_row>& rows) {
        if (cleanser) cleanser->cleanse(t, rows);
        writer->write_rows(t, rows);
        progress.rows(t.name, rows.size(), writer->bytes());
    };
    std::string failure;
    bool started = false;
    bool by_sets = false;
    auto walked = db.run_blocking([&](sql::Connection& c) {
        // db_pool retries once after a lost connection; rows already written would repeat.
        if (started) throw walk_error("the connection to the database was lost during the dump");
        started = true;
        try {
            by_sets = read_by_sets(c, *job, layouts.tables, *accounts, sink);
            if (!by_sets) walker.walk(c, *accounts, sink);
        } catch (const walk_error& e) {
            failure = e.what();
        } catch (const dump_write_error& e) {
            failure = e.what();
        }
        return true;
    });
    if (!walked) failure = walked.message;
    if (failure.empty()) {
        try {
            const auto& key = root.columns[*root.find(job->model->root_key)];
            writer->finish(bound_end_sql(*job->model, key, *accounts));
        } catch (const dump_write_error& e) {
            failure = e.what();
        }
    }
    if (!failure.empty()) return fail(exit_failed, failure + "; nothing written");
    progress.done(*accounts, writer->files(), writer->bytes(), by_sets ? "sets" : "walk");
    return exit_ok;
}

}  // namespace

void add_dump_command(CLI::App& app, int& result) {
    auto o = std::make_shared<dump_options>();
    auto* dump = app.add_subcommand("dump", "SQL dump of accounts (test data, backups)");
    dump->add_option("--config", o->config_path, "gateway config (TOML): its [database]")
        ->required();
    dump->add_option("--schema", o->schema_path, "schema model (TOML)")->required();
    dump->add_flag("--cleanse", o->cleanse, "apply the model's cleansing rules");
    dump->add_option("--chunks", o->chunks, "files to split the output into (default: the "
                                            "model's [dump] chunks)")
        ->check(CLI::Range(1, 256));
    dump->add_option("-o,--output", o->output,
                     "the file to write (\"-\": stdout), or with --chunks > 1 a directory")
        ->required();
    dump->add_option("ACCOUNT", o->accounts, "account ids (values of the root key)")->required();
    dump->callback([o, &result] { result = run_dump(*o); });
}

}  // namespace gangway::mover
