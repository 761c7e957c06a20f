#include "net/header_block.h"

#include <cctype>
#include <string>

namespace optin::net {
namespace {

using Verdict = std::expected<std::optional<HeaderBlock>, Refusal>;

std::unexpected<Refusal> Refuse(int status, std::string_view reason, std::string detail) {
  return std::unexpected(Refusal{.status = status, .reason = reason, .detail = std::move(detail)});
}

// tchar (RFC 9110 section 5.6.2).
bool IsTchar(unsigned char c) {
  if (std::isalnum(c) != 0 && c < 0x80) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && IsOws(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsOws(text.back())) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// field-value characters: VCHAR, SP, HTAB and obs-text; never NUL, CR, LF or another CTL.
bool IsFieldValue(std::string_view value) {
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t') continue;
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// uri-host [ ":" port ]: a reg-name, IPv4 address or bracketed IP literal, without userinfo.
bool IsHost(std::string_view host) {
  if (host.empty()) return false;
  std::string_view name = host;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    for (char c : host.substr(1, close - 1)) {
      if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') return false;
    }
    std::string_view rest = host.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    for (char c : rest.substr(1)) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
    }
    return true;
  }
  const size_t colon = name.find(':');
  if (colon != std::string_view::npos) {
    for (char c : name.substr(colon + 1)) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
    }
    name = name.substr(0, colon);
    if (name.empty()) return false;
  }
  static constexpr std::string_view kAllowed = "-._~%!$&'()*+,;=";
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) return false;
    if (std::isalnum(c) == 0 && kAllowed.find(ch) == std::string_view::npos) return false;
  }
  return true;
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 section 3), with the
// target in origin-form ("*" for OPTIONS).
std::optional<Refusal> CheckRequestLine(std::string_view line, HeaderBlock& block) {
  const Refusal bad{.status = 400,
                    .reason = "bad-request-line",
                    .detail =
                        "The request line must be a method, one space, a target starting "
                        "with '/', one space and HTTP/1.1."};
  const size_t first = line.find(' ');
  if (first == std::string_view::npos) return bad;
  const size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
    return bad;
  }
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (!IsToken(method) || target.empty()) return bad;
  for (char ch : target) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || c == '#') return bad;
  }
  if (target.front() != '/' && !(target == "*" && method == "OPTIONS")) return bad;
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      std::isdigit(static_cast<unsigned char>(version[5])) == 0 ||
      std::isdigit(static_cast<unsigned char>(version[7])) == 0) {
    return bad;
  }
  if (version == "HTTP/1.1") {
    block.version = 11;
  } else if (version == "HTTP/1.0") {
    block.version = 10;
  } else {
    return Refusal{.status = 505,
                   .reason = "unsupported-http-version",
                   .detail = "This server speaks HTTP/1.1 and HTTP/1.0 only."};
  }
  block.head = method == "HEAD";
  return std::nullopt;
}

// Transfer-Encoding must be exactly "chunked" (one space or none after the colon, nothing
// after it): any other spelling, list, whitespace or repetition is a place where two parsers
// may disagree on where the body ends.
std::optional<Refusal> CheckTransferEncoding(std::string_view raw) {
  std::string_view value = raw;
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value == "chunked") return std::nullopt;
  const Refusal bad{.status = 400,
                    .reason = "bad-transfer-encoding",
                    .detail = "Transfer-Encoding must be exactly \"chunked\", once."};
  std::string_view list = TrimOws(raw);
  bool all_tokens = !list.empty();
  bool mentions_chunked = false;
  while (all_tokens) {
    const size_t comma = list.find(',');
    std::string_view item = TrimOws(list.substr(0, comma));
    all_tokens = IsToken(item);
    mentions_chunked = mentions_chunked || EqualsIgnoringCase(item, "chunked");
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (!all_tokens || mentions_chunked) return bad;
  return Refusal{.status = 501,
                 .reason = "unsupported-transfer-coding",
                 .detail = "The only transfer coding this server accepts is chunked."};
}

std::expected<uint64_t, Refusal> ParseContentLength(std::string_view raw) {
  const std::string_view value = TrimOws(raw);
  const Refusal bad{.status = 400,
                    .reason = "bad-content-length",
                    .detail =
                        "Content-Length must be one decimal number without a sign, list "
                        "or leading zero."};
  if (value.empty() || value.size() > 19 || (value.size() > 1 && value.front() == '0')) {
    return std::unexpected(bad);
  }
  uint64_t length = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::unexpected(bad);
    length = length * 10 + static_cast<uint64_t>(c - '0');  // 19 digits cannot overflow
  }
  return length;
}

}  // namespace

Verdict CheckHeaderBlock(std::string_view bytes, size_t max_header_bytes) {
  const auto too_large = [] {
    return Refuse(431, "headers-too-large", "The request headers are larger than allowed.");
  };
  HeaderBlock block;
  size_t host_count = 0;
  size_t length_count = 0;
  size_t encoding_count = 0;
  std::string_view content_length;
  std::string_view transfer_encoding;
  std::string_view expect;
  bool have_expect = false;
  size_t pos = 0;
  for (bool first = true;; first = false) {
    const size_t lf = bytes.find('\n', pos);
    const size_t end = lf == std::string_view::npos ? bytes.size() : lf;
    // A CR anywhere but right before the LF is a bare CR (an incomplete line may still get
    // its LF, so its last byte is not judged yet).
    const size_t cr = bytes.substr(pos, end - pos).find('\r');
    if (cr != std::string_view::npos &&
        (lf != std::string_view::npos ? pos + cr != lf - 1 : pos + cr + 1 < bytes.size())) {
      return Refuse(400, "bad-line-ending", "Every line of a request head must end in CRLF.");
    }
    if (lf == std::string_view::npos) {
      if (bytes.size() > max_header_bytes) return too_large();
      return std::nullopt;
    }
    if (lf == pos || bytes[lf - 1] != '\r') {
      return Refuse(400, "bad-line-ending", "Every line of a request head must end in CRLF.");
    }
    if (lf + 1 > max_header_bytes) return too_large();
    const std::string_view line = bytes.substr(pos, lf - 1 - pos);
    pos = lf + 1;
    if (first) {
      if (auto refusal = CheckRequestLine(line, block)) return std::unexpected(*refusal);
      continue;
    }
    if (line.empty()) break;  // the end of the header block
    if (IsOws(line.front())) {
      return Refuse(400, "obsolete-line-folding",
                    "A header line starts with whitespace (obsolete line folding).");
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Refuse(400, "bad-header-field", "A header line has no colon.");
    }
    const std::string_view name = line.substr(0, colon);
    if (!name.empty() && IsOws(name.back())) {
      return Refuse(400, "bad-header-field", "A header name is followed by whitespace.");
    }
    if (!IsToken(name)) {
      return Refuse(400, "bad-header-field", "A header name has a character a token may not.");
    }
    const std::string_view raw_value = line.substr(colon + 1);
    if (!IsFieldValue(raw_value)) {
      return Refuse(400, "bad-header-field", "A header value has a control character.");
    }
    if (EqualsIgnoringCase(name, "host")) {
      ++host_count;
      if (!IsHost(TrimOws(raw_value))) {
        return Refuse(400, "bad-host", "Host must be a host name or address and an optional port.");
      }
    } else if (EqualsIgnoringCase(name, "content-length")) {
      ++length_count;
      content_length = raw_value;
    } else if (EqualsIgnoringCase(name, "transfer-encoding")) {
      ++encoding_count;
      transfer_encoding = raw_value;
    } else if (EqualsIgnoringCase(name, "expect")) {
      if (have_expect) {
        return Refuse(417, "expectation-failed", "Send Expect at most once: 100-continue.");
      }
      have_expect = true;
      expect = TrimOws(raw_value);
    }
  }
  block.size = pos;

  if (block.version == 11 && host_count == 0) {
    return Refuse(400, "bad-host", "An HTTP/1.1 request must carry a Host header.");
  }
  if (host_count > 1) return Refuse(400, "bad-host", "A request must carry one Host header.");
  if (encoding_count > 0) {
    if (block.version == 10) {
      return Refuse(400, "bad-transfer-encoding",
                    "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
    }
    if (length_count > 0) {
      return Refuse(400, "ambiguous-length",
                    "A request must not carry both Content-Length and Transfer-Encoding.");
    }
    if (encoding_count > 1) {
      return Refuse(400, "bad-transfer-encoding", "Transfer-Encoding must be sent once.");
    }
    if (auto refusal = CheckTransferEncoding(transfer_encoding)) return std::unexpected(*refusal);
    block.chunked = true;
  }
  if (length_count > 1) {
    return Refuse(400, "bad-content-length", "Content-Length must be sent once.");
  }
  if (length_count == 1) {
    auto length = ParseContentLength(content_length);
    if (!length) return std::unexpected(length.error());
    block.content_length = *length;
  }
  if (have_expect && block.version == 11) {  // HTTP/1.0 expectations are ignored (RFC 9110)
    if (!EqualsIgnoringCase(expect, "100-continue")) {
      return Refuse(417, "expectation-failed",
                    "The only expectation this server meets is "
                    "100-continue.");
    }
    block.expect_continue = true;
  }
  return block;
}

}  // namespace optin::net
