#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parlor::gateway {

/// A file of the web client.
struct static_file {
  std::string body;
  std::string content_type;
};

/// The built web client, loaded into memory once at start and served from
/// there (it is small, and the io thread must never wait for the disk).
class static_files {
public:
  /// No files: only the API is served.
  static_files() = default;

  /// Loads every regular file under `root`, named by its path relative to
  /// `root` with a leading `/`. Logs a warning and loads nothing if `root`
  /// is not a directory.
  static static_files load(const std::filesystem::path& root);

  /// Adds (or replaces) the file served at `path`, typed by its extension.
  void add(std::string path, std::string body);

  /// The file served at `path` (`/index.html`, `/app.js`), if any.
  const static_file* find(const std::string& path) const;

  std::size_t size() const noexcept {
    return files_.size();
  }

private:
  std::unordered_map<std::string, static_file> files_;
};

} // namespace parlor::gateway
