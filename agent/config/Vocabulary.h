// The whole vocabulary of cluster.xml and userconfig.xml in two tables:
// every element (where it may appear, how often) and every attribute (its
// kind, its default, the unit of a bare number, whether a running module can
// take a change to it). The parsers, the diff, the "did you mean" hints and
// docs/userconfig.md (checked by a test) all read these tables, so a default
// lives in exactly one place.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace safefarm::config {

enum class AttrKind {
    String,    // free text (after macro expansion)
    Name,      // an identifier: letters, digits, '_', '-', '.'
    Bool,      // on | off
    Int,       // non-negative decimal integer
    Duration,  // integer + unit (us ms s m h d); a bare number is in `unit`
    Enum,      // one of `values` ("a|b|c")
    Ip,        // IPv4 or IPv6 address
    Mac,       // aa:bb:cc:dd:ee:ff
    Port,      // 1..65535
    PortSpec,  // N, N-M or *
    Path,      // a file name
};

struct ElementSpec {
    std::string_view path;     // "safe/farm/lan": names from the root
    bool repeatable;           // may appear more than once under its parent
    bool required;             // must appear under its parent
    std::string_view meaning;  // one line, as docs/userconfig.md says it
};

struct AttrSpec {
    std::string_view element;  // ElementSpec::path
    std::string_view name;
    AttrKind kind;
    bool required;
    std::string_view def;   // the default when absent ("" = none / derived, see meaning)
    std::string_view unit;  // Duration: unit of a bare number; Enum: "a|b|c"
    bool live;              // a change applies to a running module
    std::string_view meaning;
    // Not empty: parsed (SafeKit modules carry it) but not done; why. A value
    // other than the default is warned about (XmlReader, "parsed, ignored by
    // safefarm: ...").
    std::string_view ignored = {};
};

std::span<const ElementSpec> elementSpecs();
std::span<const AttrSpec> attrSpecs();

const ElementSpec* findElement(std::string_view path);
const AttrSpec* findAttr(std::string_view element, std::string_view name);
// Names of the elements that may appear directly under `parent`.
std::vector<std::string_view> childNames(std::string_view parent);
std::vector<std::string_view> attrNames(std::string_view element);

// The known name closest to `unknown` (edit distance), "" when `known` is empty.
std::string_view closestName(std::string_view unknown, const std::vector<std::string_view>& known);

}  // namespace safefarm::config
