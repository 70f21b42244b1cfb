#include "static_files.hpp"

#include "parlor/gateway/http_util.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace parlor::gateway {

static_files static_files::load(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  static_files result;
  std::error_code ec;
  if (root.empty() || !fs::is_directory(root, ec)) {
    spdlog::warn("web client not found at '{}': only the API is served",
                 root.string());
    return result;
  }
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file())
      continue;
    std::ifstream in{it->path(), std::ios::binary};
    std::ostringstream buf;
    buf << in.rdbuf();
    result.add("/" + fs::relative(it->path(), root).generic_string(),
               buf.str());
  }
  spdlog::info("serving {} web client files from {}", result.size(),
               root.string());
  return result;
}

void static_files::add(std::string path, std::string body) {
  auto type = std::string{content_type_for(path)};
  files_.insert_or_assign(std::move(path),
                          static_file{std::move(body), std::move(type)});
}

const static_file* static_files::find(const std::string& path) const {
  auto i = files_.find(path);
  return i != files_.end() ? &i->second : nullptr;
}

} // namespace parlor::gateway
