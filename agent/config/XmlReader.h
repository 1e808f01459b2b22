// The generic half of both parsers: loads the XML, maps offsets to lines,
// expands %MACROS%, checks every element and attribute against the
// Vocabulary tables (unknown names with a "did you mean", values against
// their kind), and gives the element handlers typed accessors that fall back
// on the table's defaults. Every error lands in one list of diagnostics.
#pragma once

#include <pugixml.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/NetAddr.h"
#include "config/Diagnostic.h"
#include "config/Duration.h"
#include "config/Vocabulary.h"

namespace safefarm::config {

class XmlReader;

// One element while its handler reads it.
class Elem {
public:
    Elem(XmlReader& reader, pugi::xml_node node);

    pugi::xml_node node() const { return node_; }
    const std::string& spec() const { return spec_; }  // "safe/farm/lan"
    bool has(const char* attr) const { return !node_.attribute(attr).empty(); }

    // The value (macros expanded) or the table's default. The vocabulary pass
    // has already reported malformed values; these return a neutral value then.
    std::string str(const char* attr) const;
    // False when the attribute is present but malformed (already reported):
    // range checks skip it rather than add a second error.
    bool wellFormed(const char* attr) const;
    bool flag(const char* attr) const;
    uint32_t integer(const char* attr) const;
    Duration duration(const char* attr) const;
    std::optional<IpAddr> ip(const char* attr) const;
    std::optional<Mac> mac(const char* attr) const;

    std::vector<Elem> children(const char* name) const;
    std::optional<Elem> child(const char* name) const;

    void error(const std::string& message) const;

private:
    std::optional<std::string> text(const char* attr) const;

    XmlReader& reader_;
    pugi::xml_node node_;
    std::string spec_;
};

class XmlReader {
public:
    using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

    XmlReader(std::string fileName, std::string_view text, EnvLookup env);

    // The root element, when the text is well-formed XML whose root is
    // `rootName`; otherwise the error is recorded.
    std::optional<Elem> root(const char* rootName);
    // Walks the whole tree: unknown elements/attributes, repeats, missing
    // required children and attributes, values against their kind. Call once
    // the macros are known.
    void checkVocabulary(const Elem& root);
    void defineMacro(const std::string& name, const std::string& value) { macros_[name] = value; }
    const std::map<std::string, std::string>& macros() const { return macros_; }

    void error(pugi::xml_node node, const std::string& message);
    void warning(pugi::xml_node node, const std::string& message);
    void fileError(const std::string& message);
    const std::string& fileName() const { return file_; }
    Diagnostics takeErrors() { return std::move(errors_); }
    Diagnostics takeWarnings() { return std::move(warnings_); }
    bool failed() const { return !errors_.empty(); }

    int line(pugi::xml_node node) const;
    int attrLine(pugi::xml_node node, std::string_view name) const;
    static std::string path(pugi::xml_node node);      // with [i] for repeated elements
    static std::string specPath(pugi::xml_node node);  // names only
    // %NAME% from the macros, then the environment; %% is a literal %.
    std::optional<std::string> expand(pugi::xml_node node, std::string_view value);

private:
    void checkElement(pugi::xml_node node, const std::string& spec);
    void checkValue(pugi::xml_node node, const AttrSpec& spec, const std::string& value);
    void add(Diagnostics& to, pugi::xml_node node, const std::string& message, bool warning);

    std::string file_;
    std::string text_;
    std::vector<size_t> lineStarts_;
    pugi::xml_document doc_;
    EnvLookup env_;
    std::map<std::string, std::string> macros_;
    Diagnostics errors_;
    Diagnostics warnings_;
};

// Kind checks shared with the vocabulary pass.
std::optional<uint16_t> parsePort(std::string_view text);
// "80" -> {80,80}, "8000-8080", "*" -> {1,65535}.
std::optional<std::pair<uint16_t, uint16_t>> parsePortSpec(std::string_view text);
std::optional<uint32_t> parseUint(std::string_view text);

}  // namespace safefarm::config
