/// The file could not be read as strict YAML; the reader (`KeyscopeYAML`) reports it, the loader files it under this
/// rule.
/// Reported while reading, before any rule runs, so it has no `check` and cannot be configured.
enum YAMLSyntax: Rule {
    static let id: RuleID = "yaml-syntax"
    static let defaultSeverity = Severity.error
    static let summary =
        "The file is not strict YAML: syntax errors, anchors, aliases, merge keys, tags, duplicate keys, BOM, tabs, invalid UTF-8, or a size, depth or count limit."
    static let configurable = false
}
