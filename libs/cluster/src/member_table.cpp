#include "parlor/cluster/member_table.hpp"

#include <nlohmann/json.hpp>

namespace parlor::cluster {

void member_table::set_self(member m) {
  std::lock_guard<std::mutex> guard{mtx_};
  self_ = std::move(m);
}

void member_table::up(member m) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto name = m.name;
  peers_[name] = std::move(m);
}

void member_table::down(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  peers_.erase(name);
}

void member_table::set_status(const std::string& name,
                              const std::string& status) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (self_.name == name)
    self_.status = status;
  else if (auto i = peers_.find(name); i != peers_.end())
    i->second.status = status;
}

std::vector<member> member_table::all() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<member> result{self_};
  for (auto& [name, m] : peers_)
    result.push_back(m);
  return result;
}

std::string member_table::to_json() const {
  auto members = all();
  auto list = nlohmann::json::array();
  for (auto& m : members) {
    nlohmann::json entry{{"name", m.name},
                         {"region", m.region},
                         {"http", m.http},
                         {"status", m.status}};
    if (!m.admin.empty())
      entry["admin"] = m.admin;
    list.push_back(std::move(entry));
  }
  return nlohmann::json{{"node", members.front().name},
                        {"region", members.front().region},
                        {"members", std::move(list)}}
    .dump();
}

} // namespace parlor::cluster
