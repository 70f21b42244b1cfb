#pragma once

#include <string>

struct sqlite3;

namespace parlor::store::detail {

/// Brings the schema of `db` (the database `file`) up to
/// `store::schema_version`, one transaction per migration. Throws
/// `store_error` for a file that is no database or from a newer build.
void migrate(sqlite3* db, const std::string& file);

} // namespace parlor::store::detail
