#include "config/XmlReader.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace safefarm::config {

std::string Diagnostic::format() const {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
    if (!path.empty()) out += path + ": ";
    if (warning) out += "warning: ";
    return out + message;
}

std::string formatAll(const Diagnostics& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics) out += d.format() + "\n";
    return out;
}

std::optional<uint32_t> parseUint(std::string_view text) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > std::numeric_limits<uint32_t>::max()) return std::nullopt;
    return static_cast<uint32_t>(v);
}

std::optional<uint16_t> parsePort(std::string_view text) {
    auto v = parseUint(text);
    if (!v || *v < 1 || *v > 65535) return std::nullopt;
    return static_cast<uint16_t>(*v);
}

std::optional<std::pair<uint16_t, uint16_t>> parsePortSpec(std::string_view text) {
    if (text == "*") return std::pair<uint16_t, uint16_t>{1, 65535};
    auto dash = text.find('-');
    if (dash == std::string_view::npos) {
        auto p = parsePort(text);
        if (!p) return std::nullopt;
        return std::pair{*p, *p};
    }
    auto lo = parsePort(text.substr(0, dash));
    auto hi = parsePort(text.substr(dash + 1));
    if (!lo || !hi || *lo > *hi) return std::nullopt;
    return std::pair{*lo, *hi};
}

namespace {

bool isName(std::string_view s) {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

bool isMacroName(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string join(const std::vector<std::string_view>& names) {
    std::string out;
    for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

}  // namespace

XmlReader::XmlReader(std::string fileName, std::string_view text, EnvLookup env)
    : file_(std::move(fileName)), text_(text), env_(std::move(env)) {
    lineStarts_.push_back(0);
    for (size_t i = 0; i < text_.size(); i++)
        if (text_[i] == '\n') lineStarts_.push_back(i + 1);
}

int XmlReader::line(pugi::xml_node node) const {
    ptrdiff_t off = node.offset_debug();
    if (off < 0) return 0;
    auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), static_cast<size_t>(off));
    return static_cast<int>(it - lineStarts_.begin());
}

std::string XmlReader::specPath(pugi::xml_node node) {
    std::string out;
    for (auto n = node; n && n.type() == pugi::node_element; n = n.parent())
        out = std::string(n.name()) + (out.empty() ? "" : "/" + out);
    return out;
}

std::string XmlReader::path(pugi::xml_node node) {
    std::string out;
    for (auto n = node; n && n.type() == pugi::node_element; n = n.parent()) {
        std::string part = n.name();
        const ElementSpec* spec = findElement(specPath(n));
        if (spec && spec->repeatable) {
            int index = 1;
            for (auto s = n.previous_sibling(n.name()); s; s = s.previous_sibling(n.name())) index++;
            part += "[" + std::to_string(index) + "]";
        }
        out = part + (out.empty() ? "" : "/" + out);
    }
    return out;
}

// pugixml gives no offsets for attributes: find `name=` between the element's
// '<' and its first '>' (a '>' inside a value ends the search early, and the
// element's own line is used).
int XmlReader::attrLine(pugi::xml_node node, std::string_view name) const {
    ptrdiff_t off = node.offset_debug();
    if (off < 0 || name.empty()) return line(node);
    size_t end = text_.find('>', static_cast<size_t>(off));
    for (size_t at = text_.find(name, static_cast<size_t>(off)); at != std::string::npos && at < end;
         at = text_.find(name, at + 1)) {
        size_t after = text_.find_first_not_of(" \t\r\n", at + name.size());
        bool spaceBefore = at > 0 && std::isspace(static_cast<unsigned char>(text_[at - 1]));
        if (spaceBefore && after != std::string::npos && text_[after] == '=') {
            auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), at);
            return static_cast<int>(it - lineStarts_.begin());
        }
    }
    return line(node);
}

void XmlReader::error(pugi::xml_node node, const std::string& message) { add(errors_, node, message, false); }

void XmlReader::warning(pugi::xml_node node, const std::string& message) { add(warnings_, node, message, true); }

void XmlReader::add(Diagnostics& to, pugi::xml_node node, const std::string& message, bool warning) {
    // Messages about one attribute start "attribute 'NAME'" or "unknown
    // attribute 'NAME'": they point at the attribute's own line.
    int at = line(node);
    for (std::string_view prefix : {"attribute '", "unknown attribute '", "missing attribute '"}) {
        if (!message.starts_with(prefix)) continue;
        size_t close = message.find('\'', prefix.size());
        if (close != std::string::npos)
            at = attrLine(node, std::string_view(message).substr(prefix.size(), close - prefix.size()));
    }
    Diagnostic d{file_, at, path(node), message, warning};
    // A value read twice (vocabulary pass, then its handler) reports once.
    for (const auto& e : to)
        if (e.line == d.line && e.path == d.path && e.message == d.message) return;
    to.push_back(std::move(d));
}

void XmlReader::fileError(const std::string& message) { errors_.push_back(Diagnostic{file_, 0, "", message}); }

std::optional<Elem> XmlReader::root(const char* rootName) {
    // parse_default keeps offsets exact; no entity tricks beyond XML's own.
    auto result = doc_.load_buffer(text_.data(), text_.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result) {
        auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(),
                                   static_cast<size_t>(std::max<ptrdiff_t>(result.offset, 0)));
        errors_.push_back(Diagnostic{file_, static_cast<int>(it - lineStarts_.begin()), "",
                                     std::string("not well-formed XML: ") + result.description()});
        return std::nullopt;
    }
    pugi::xml_node rootNode = doc_.document_element();
    if (!rootNode) {
        fileError(std::string("expected a <") + rootName + "> element, the file has none");
        return std::nullopt;
    }
    if (std::string_view(rootNode.name()) != rootName) {
        errors_.push_back(
            Diagnostic{file_, line(rootNode), rootNode.name(),
                       std::string("expected <") + rootName + "> as the root element, got <" + rootNode.name() + ">"});
        return std::nullopt;
    }
    return Elem(*this, rootNode);
}

std::optional<std::string> XmlReader::expand(pugi::xml_node node, std::string_view value) {
    std::string out;
    bool ok = true;
    for (size_t i = 0; i < value.size();) {
        if (value[i] != '%') {
            out += value[i++];
            continue;
        }
        if (i + 1 < value.size() && value[i + 1] == '%') {
            out += '%';
            i += 2;
            continue;
        }
        size_t end = value.find('%', i + 1);
        std::string_view name = end == std::string_view::npos ? "" : value.substr(i + 1, end - i - 1);
        if (!isMacroName(name)) {  // a lone % (e.g. %20 in a URL) stays as written
            out += value[i++];
            continue;
        }
        std::string key(name);
        if (auto m = macros_.find(key); m != macros_.end()) {
            out += m->second;
        } else if (auto e = env_ ? env_(key) : std::nullopt) {
            out += *e;
        } else {
            error(node, "undefined macro %" + key + "%: expected a <macro name=\"" + key +
                            "\"> or an environment variable " + key);
            ok = false;
        }
        i = end + 1;
    }
    if (!ok) return std::nullopt;
    return out;
}

void XmlReader::checkVocabulary(const Elem& root) { checkElement(root.node(), root.spec()); }

void XmlReader::checkValue(pugi::xml_node node, const AttrSpec& spec, const std::string& value) {
    std::string what = "attribute '" + std::string(spec.name) + "': expected ";
    std::string got = ", got '" + value + "'";
    switch (spec.kind) {
        case AttrKind::String:
        case AttrKind::Path:
            if (spec.kind == AttrKind::Path && value.empty()) error(node, what + "a file name" + got);
            return;
        case AttrKind::Name:
            if (!isName(value)) error(node, what + "a name (letters, digits, _ - .)" + got);
            return;
        case AttrKind::Bool:
            if (value != "on" && value != "off") error(node, what + "on|off" + got);
            return;
        case AttrKind::Int:
            if (!parseUint(value)) error(node, what + "a non-negative integer" + got);
            return;
        case AttrKind::Duration:
            if (!parseDuration(value, spec.unit))
                error(node, what + "a time: an integer with a unit us|ms|s|m|h|d (a bare number is in " +
                                std::string(spec.unit) + ")" + got);
            return;
        case AttrKind::Enum: {
            std::string_view values = spec.unit;
            bool found = false;
            for (size_t start = 0; start <= values.size();) {
                size_t bar = values.find('|', start);
                if (bar == std::string_view::npos) bar = values.size();
                if (values.substr(start, bar - start) == value) found = true;
                start = bar + 1;
            }
            if (!found) error(node, what + std::string(values) + got);
            return;
        }
        case AttrKind::Ip:
            if (!parseIp(value)) error(node, what + "an IPv4 or IPv6 address" + got);
            return;
        case AttrKind::Mac:
            if (!parseMac(value)) error(node, what + "a MAC address aa:bb:cc:dd:ee:ff" + got);
            return;
        case AttrKind::Port:
            if (!parsePort(value)) error(node, what + "a port 1..65535" + got);
            return;
        case AttrKind::PortSpec:
            if (!parsePortSpec(value)) error(node, what + "a port N, a range N-M (N <= M, 1..65535) or *" + got);
            return;
    }
}

void XmlReader::checkElement(pugi::xml_node node, const std::string& spec) {
    for (auto attr : node.attributes()) {
        const AttrSpec* a = findAttr(spec, attr.name());
        if (!a) {
            auto known = attrNames(spec);
            std::string msg = "unknown attribute '" + std::string(attr.name()) + "'";
            if (known.empty())
                msg += ": <" + std::string(node.name()) + "> takes no attributes";
            else
                msg += ", did you mean '" + std::string(closestName(attr.name(), known)) + "'? (known: " + join(known) +
                       ")";
            error(node, msg);
            continue;
        }
        auto value = expand(node, attr.value());
        if (!value) continue;
        auto errors = errors_.size();
        checkValue(node, *a, *value);
        // Asked for, and not done: say so (SafeKit modules carry these).
        if (!a->ignored.empty() && errors_.size() == errors && *value != a->def)
            warning(node, "attribute '" + std::string(a->name) +
                              "': parsed, ignored by safefarm: " + std::string(a->ignored));
    }
    for (auto name : attrNames(spec)) {
        const AttrSpec* a = findAttr(spec, name);
        if (a->required && node.attribute(std::string(name).c_str()).empty())
            error(node, "missing required attribute '" + std::string(name) + "'");
    }
    auto known = childNames(spec);
    std::map<std::string, int> seen;
    for (auto child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            std::string_view t = child.value();
            auto first = t.find_first_not_of(" \t\r\n");
            if (first != std::string_view::npos) {
                t = t.substr(first, t.find_last_not_of(" \t\r\n") + 1 - first);
                error(node, "unexpected text '" + std::string(t.substr(0, 40)) + "': <" + node.name() +
                                "> holds only elements");
            }
            continue;
        }
        if (child.type() != pugi::node_element) continue;  // comments, processing instructions
        std::string childSpec = spec + "/" + child.name();
        const ElementSpec* e = findElement(childSpec);
        if (!e) {
            std::string msg = "unknown element <" + std::string(child.name()) + ">";
            if (known.empty())
                msg += ": <" + std::string(node.name()) + "> holds no elements";
            else
                msg += " in <" + std::string(node.name()) + ">, did you mean <" +
                       std::string(closestName(child.name(), known)) + ">? (known: " + join(known) + ")";
            error(child, msg);
            continue;
        }
        if (++seen[child.name()] == 2 && !e->repeatable)
            error(child, "<" + std::string(child.name()) + "> may appear only once in <" + node.name() + ">");
        checkElement(child, childSpec);
    }
    for (auto name : known) {
        const ElementSpec* e = findElement(spec + "/" + std::string(name));
        if (e->required && !seen.count(std::string(name)))
            error(node, "missing required element <" + std::string(name) + ">");
    }
}

// ---- Elem ----

Elem::Elem(XmlReader& reader, pugi::xml_node node) : reader_(reader), node_(node), spec_(XmlReader::specPath(node)) {}

void Elem::error(const std::string& message) const { reader_.error(node_, message); }

std::optional<std::string> Elem::text(const char* attr) const {
    auto a = node_.attribute(attr);
    if (!a.empty()) return reader_.expand(node_, a.value());
    const AttrSpec* spec = findAttr(spec_, attr);
    if (!spec) return std::nullopt;  // a handler asked for a name not in the table: a bug, shows in tests
    return std::string(spec->def);
}

bool Elem::wellFormed(const char* attr) const {
    if (!has(attr)) return true;
    const AttrSpec* spec = findAttr(spec_, attr);
    auto t = text(attr);
    if (!spec || !t) return false;
    if (spec->kind == AttrKind::Int) return parseUint(*t).has_value();
    if (spec->kind == AttrKind::Duration) return parseDuration(*t, spec->unit).has_value();
    return true;
}

std::string Elem::str(const char* attr) const { return text(attr).value_or(""); }

bool Elem::flag(const char* attr) const { return text(attr).value_or("off") == "on"; }

uint32_t Elem::integer(const char* attr) const { return parseUint(text(attr).value_or("")).value_or(0); }

Duration Elem::duration(const char* attr) const {
    const AttrSpec* spec = findAttr(spec_, attr);
    auto d = parseDuration(text(attr).value_or(""), spec ? spec->unit : "s");
    return d.value_or(Duration(0));
}

std::optional<IpAddr> Elem::ip(const char* attr) const {
    auto t = text(attr);
    if (!t || t->empty()) return std::nullopt;
    auto r = parseIp(*t);
    if (!r) return std::nullopt;
    return r.value();
}

std::optional<Mac> Elem::mac(const char* attr) const {
    auto t = text(attr);
    if (!t || t->empty()) return std::nullopt;
    auto r = parseMac(*t);
    if (!r) return std::nullopt;
    return r.value();
}

std::vector<Elem> Elem::children(const char* name) const {
    std::vector<Elem> out;
    for (auto c = node_.child(name); c; c = c.next_sibling(name)) out.emplace_back(reader_, c);
    return out;
}

std::optional<Elem> Elem::child(const char* name) const {
    auto c = node_.child(name);
    if (!c) return std::nullopt;
    return Elem(reader_, c);
}

}  // namespace safefarm::config
