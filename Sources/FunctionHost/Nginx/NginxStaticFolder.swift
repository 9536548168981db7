import FunctionRuntime

/// A folder nginx serves as static files under a URL prefix, and optionally a function that answers
/// for the files the folder lacks (when several hosts share the files through a database, say: each
/// host's folder holds only some of them).
///
/// Dotfiles (such as files still being written) are never served, and there are no listings.
public struct NginxStaticFolder: Sendable, Equatable {
    /// The URL prefix, with a slash at each end (`/results/`).
    public var prefix: String
    /// The absolute folder served at `prefix`.
    public var directory: String
    /// Where a request for a file the folder does not have goes. Nil (the default): nginx's 404.
    public var fallback: Fallback?

    /// A function that answers what the folder lacks.
    ///
    /// nginx looks in the folder first (`try_files`); on a miss the request becomes
    /// `/<function>?<queryParameter>=<the path after the prefix>` (the request's own query is
    /// dropped) and is served as a call of that function, with its timeouts and pool. Rendered only
    /// when the catalog has the function, so a host without it keeps the plain folder.
    public struct Fallback: Sendable, Equatable {
        /// The function's name in the catalog.
        public var function: String
        /// The query parameter that carries the rest of the path (`path`: `/results/t/a.png` is
        /// served as `/<function>?path=t/a.png`). Letters, digits, `-` and `_`.
        public var queryParameter: String

        public init(function: String, queryParameter: String) {
            self.function = function
            self.queryParameter = queryParameter
        }
    }

    public init(prefix: String, directory: String, fallback: Fallback? = nil) {
        self.prefix = prefix
        self.directory = directory
        self.fallback = fallback
    }

    /// The locations serving this folder. `index` names its fallback location apart from other folders'.
    func locations(index: Int, catalog: FunctionCatalog) -> String {
        let fallback = fallback.flatMap { given in
            catalog.functions.contains { $0.name == given.function } && FunctionCatalog.isValidName(given.queryParameter) ? given : nil
        }
        let named = "@fnhost_static_fallback_\(index)"
        var text = """
                    location ^~ \(prefix) {
                        alias \(directory)/;
                        autoindex off;
                        add_header Cache-Control "public, max-age=3600";
                        add_header Access-Control-Allow-Origin "*";

            """
        if fallback != nil {
            text += """
                        # Not in this host's folder: the function answers.
                        try_files $uri \(named);

            """
        }
        text += """
                        location ~ "/\\." { return 404; }
                    }

            """
        if let fallback {
            text += """
                    location \(named) {
                        rewrite "^\(Self.regexEscaped(prefix))(.*)$" /\(fallback.function)?\(fallback.queryParameter)=$1? last;
                        return 404;
                    }

            """
        }
        return text
    }

    /// `text` with regular-expression metacharacters escaped.
    static func regexEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if ".+*?()[]{}|^$\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
