#include "tools/optin-hq/store_directory.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "tools/optin-hq/utc_day.h"

namespace optin::hq {
namespace {

constexpr size_t kMaxStores = 100000;

std::unexpected<Error> Bad(std::string_view origin, int line, std::string field, std::string what) {
  return Fail(ErrorCode::kInvalidArgument,
              std::string(origin) + ":" + std::to_string(line) + ": " + what, std::move(field),
              "invalid-stores-file");
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The fields of one store as read, before checking; each with the line it came from.
struct RawStore {
  int line = 0;  // the store's own line ([[store]] or the CSV row)
  std::map<std::string, std::pair<std::string, int>> fields;  // name -> (text, line)
};

constexpr std::string_view kFields[] = {"id", "name", "region", "country", "opened", "closed"};

bool KnownField(std::string_view name) {
  return std::find(std::begin(kFields), std::end(kFields), name) != std::end(kFields);
}

Result<StoreInfo> Check(const RawStore& raw, std::string_view origin) {
  StoreInfo s;
  s.line = raw.line;
  auto get = [&raw](const char* name) -> const std::pair<std::string, int>* {
    auto it = raw.fields.find(name);
    return it == raw.fields.end() ? nullptr : &it->second;
  };
  for (const char* required : {"id", "name", "region", "country", "opened"}) {
    const auto* f = get(required);
    if (f == nullptr || f->first.empty()) {
      return Bad(origin, raw.line, required, std::string("the store has no '") + required + "'");
    }
  }
  const auto& [id, id_line] = *get("id");
  if (!ValidId(id)) {
    return Bad(origin, id_line, "id",
               "store id '" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
  }
  s.id = id;
  s.name = get("name")->first;
  if (s.name.size() > 200) return Bad(origin, get("name")->second, "name", "name is too long");
  s.region = get("region")->first;
  if (s.region.size() > 100) {
    return Bad(origin, get("region")->second, "region", "region is too long");
  }
  const auto& [country, country_line] = *get("country");
  if (country.size() != 2 ||
      !std::all_of(country.begin(), country.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Bad(origin, country_line, "country",
               "country '" + country + "' must be two capital letters (ISO 3166-1, e.g. IT)");
  }
  s.country = country;
  const auto& [opened, opened_line] = *get("opened");
  auto opened_day = ParseIsoDate(opened);
  if (!opened_day) {
    return Bad(origin, opened_line, "opened",
               "opening date '" + opened + "' is not a date YYYY-MM-DD");
  }
  s.opened_day = *opened_day;
  if (const auto* closed = get("closed"); closed && !closed->first.empty()) {
    auto closed_day = ParseIsoDate(closed->first);
    if (!closed_day) {
      return Bad(origin, closed->second, "closed",
                 "closing date '" + closed->first + "' is not a date YYYY-MM-DD");
    }
    if (*closed_day <= s.opened_day) {
      return Bad(origin, closed->second, "closed", "closing date must be after the opening date");
    }
    s.closed_day = *closed_day;
  }
  return s;
}

Result<std::vector<RawStore>> ReadToml(std::string_view text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Bad(origin, static_cast<int>(e.source().begin.line), "", std::string(e.description()));
  }
  std::vector<RawStore> out;
  for (const auto& [key, node] : root) {
    const int line = static_cast<int>(node.source().begin.line);
    if (key.str() != "store") {
      return Bad(origin, line, std::string(key.str()),
                 "unknown key '" + std::string(key.str()) + "' (expected [[store]] tables)");
    }
    const toml::array* stores = node.as_array();
    if (stores == nullptr || !stores->is_array_of_tables()) {
      return Bad(origin, line, "store", "'store' must be [[store]] tables");
    }
    for (const toml::node& entry : *stores) {
      const toml::table& t = *entry.as_table();
      RawStore raw;
      raw.line = static_cast<int>(t.source().begin.line);
      for (const auto& [field, value] : t) {
        const std::string name(field.str());
        const int at = static_cast<int>(value.source().begin.line);
        if (!KnownField(name)) {
          return Bad(
              origin, at, name,
              "unknown key '" + name + "' (a store has id, name, region, country, opened, closed)");
        }
        std::string v;
        if (const auto* d = value.as_date()) {
          v = FormatIsoDate(
              UtcDayFromCivil(d->get().year, d->get().month, d->get().day).value_or(0));
        } else if (const auto* s = value.as_string()) {
          v = s->get();
        } else {
          return Bad(origin, at, name,
                     "'" + name + "' must be a string" +
                         (name == "opened" || name == "closed" ? " or a date" : ""));
        }
        raw.fields[name] = {v, at};
      }
      out.push_back(std::move(raw));
    }
  }
  return out;
}

// One CSV record (RFC 4180 quoting; no line breaks inside a field).
Result<std::vector<std::string>> SplitCsvLine(std::string_view line, std::string_view origin,
                                              int line_no) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (was_quoted) {
      return Bad(origin, line_no, "", "text after a closing quote");
    } else {
      field += c;
    }
  }
  if (quoted) return Bad(origin, line_no, "", "a quoted field is not closed on its line");
  fields.push_back(std::move(field));
  for (std::string& f : fields) {
    if (!f.empty() && f.find_first_not_of(" \t") != 0) f.erase(0, f.find_first_not_of(" \t"));
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
  }
  return fields;
}

Result<std::vector<RawStore>> ReadCsv(std::string_view text, std::string_view origin) {
  std::vector<RawStore> out;
  std::vector<std::string> columns;
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    OPTIN_ASSIGN_OR_RETURN(auto fields, SplitCsvLine(line, origin, line_no));
    if (columns.empty()) {
      std::set<std::string> seen;
      for (const std::string& c : fields) {
        if (!KnownField(c)) {
          return Bad(origin, line_no, c,
                     "unknown column '" + c +
                         "' (the header names id, name, region, country, opened and "
                         "optionally closed)");
        }
        if (!seen.insert(c).second) {
          return Bad(origin, line_no, c, "column '" + c + "' is named twice");
        }
      }
      columns = fields;
      continue;
    }
    if (fields.size() != columns.size()) {
      return Bad(origin, line_no, "",
                 "the row has " + std::to_string(fields.size()) + " fields, the header " +
                     std::to_string(columns.size()));
    }
    RawStore raw;
    raw.line = line_no;
    for (size_t i = 0; i < columns.size(); ++i) raw.fields[columns[i]] = {fields[i], line_no};
    out.push_back(std::move(raw));
  }
  if (columns.empty()) return Bad(origin, 1, "", "the file has no header row");
  return out;
}

}  // namespace

Result<StoreDirectory> StoreDirectory::Parse(std::string_view text, StoresFormat format,
                                             std::string_view origin) {
  OPTIN_ASSIGN_OR_RETURN(
      auto raw, format == StoresFormat::kToml ? ReadToml(text, origin) : ReadCsv(text, origin));
  if (raw.empty()) return Bad(origin, 1, "", "the file lists no store");
  if (raw.size() > kMaxStores) {
    return Bad(origin, raw[kMaxStores].line, "",
               "more than " + std::to_string(kMaxStores) + " stores");
  }
  std::vector<StoreInfo> stores;
  std::map<std::string, int, std::less<>> lines;
  for (const RawStore& r : raw) {
    OPTIN_ASSIGN_OR_RETURN(StoreInfo s, Check(r, origin));
    if (auto [it, fresh] = lines.emplace(s.id, s.line); !fresh) {
      return Bad(origin, s.line, "id",
                 "store id '" + s.id + "' is already listed on line " + std::to_string(it->second));
    }
    stores.push_back(std::move(s));
  }
  std::sort(stores.begin(), stores.end(),
            [](const StoreInfo& a, const StoreInfo& b) { return a.id < b.id; });
  return StoreDirectory(std::move(stores));
}

Result<StoreDirectory> StoreDirectory::Load(const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  if (ext != ".toml" && ext != ".csv") {
    return Fail(ErrorCode::kInvalidArgument,
                file.string() + ": a stores file must end in .toml or .csv", "stores",
                "invalid-stores-file");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, file.string() + ": cannot be read", "stores");
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), ext == ".toml" ? StoresFormat::kToml : StoresFormat::kCsv,
               file.string());
}

const StoreInfo* StoreDirectory::Find(std::string_view id) const {
  auto it = std::lower_bound(stores_.begin(), stores_.end(), id,
                             [](const StoreInfo& s, std::string_view v) { return s.id < v; });
  return it != stores_.end() && it->id == id ? &*it : nullptr;
}

std::vector<std::string> StoreDirectory::Regions() const {
  std::set<std::string> regions;
  for (const StoreInfo& s : stores_) regions.insert(s.region);
  return {regions.begin(), regions.end()};
}

}  // namespace optin::hq
