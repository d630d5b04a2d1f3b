#include "gateway/auth/user_directory.hpp"

#include <memory>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace gangway {
namespace {

void append_quoted(std::string& out, std::string_view identifier) {
    out.append("`").append(identifier).append("`");
}

}  // namespace

user_directory::user_directory(const login_config& cfg) : has_active_(!cfg.active_column.empty()) {
    query_.append("SELECT ");
    append_quoted(query_, cfg.user_id_column);
    query_.append(", ");
    append_quoted(query_, cfg.account_id_column);
    query_.append(", ");
    append_quoted(query_, cfg.email_column);
    query_.append(", ");
    append_quoted(query_, cfg.password_column);
    if (has_active_) {
        query_.append(", ");
        append_quoted(query_, cfg.active_column);
    }
    query_.append(" FROM ");
    append_quoted(query_, cfg.users_table);
    query_.append(" WHERE ");
    append_quoted(query_, cfg.email_column);
    query_.append(" = ? LIMIT 2");
}

user_lookup_result user_directory::find(sql::Connection& c, std::string_view email) const {
    std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(query_));
    st->setString(1, std::string(email));
    std::unique_ptr<sql::ResultSet> rows(st->executeQuery());
    user_lookup_result out;
    if (!rows->next()) return out;
    out.what = user_lookup::found;
    out.user.user_id = rows->getUInt64(1);
    out.user.account_id = rows->getUInt64(2);
    out.user.email = rows->getString(3);
    out.user.stored_hash = rows->getString(4);
    if (has_active_) out.user.active = rows->getBoolean(5);
    if (rows->next()) {
        out.what = user_lookup::ambiguous;
        out.user = {};
    }
    return out;
}

std::string_view trimmed_email(std::string_view typed) {
    constexpr std::string_view space = " \t\r\n\f\v";
    const auto first = typed.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    const auto last = typed.find_last_not_of(space);
    return typed.substr(first, last - first + 1);
}

}  // namespace gangway
