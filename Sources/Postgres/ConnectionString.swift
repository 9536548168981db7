import CLibPQ

/// libpq connection strings: parsing (both forms), the settings we add, and password-free descriptions.
///
/// Both forms libpq understands are accepted unchanged:
/// - URL: `postgresql://user:pass@/db?host=/path/to/socketdir` (or `postgres://user:pass@host:5432/db`)
/// - key=value: `host=/path/to/socketdir dbname=db user=u password='p w'`
///
/// The string is parsed once with `PQconninfoParse` into explicit keyword/value pairs; we then add our defaults and
/// connect with `PQconnectdbParams`, so nothing is spliced into connection-string text by hand.
public enum ConnectionString {
    /// One keyword and its value, in the order libpq lists its keywords.
    typealias Setting = (keyword: String, value: String)

    /// Parses a connection string into the settings it spells out explicitly (defaults and `PG*` environment
    /// variables are left for libpq to fill in at connect time).
    /// - Throws: `.connectionFailed` with libpq's message, scrubbed of anything that may be the password.
    static func parse(_ text: String) throws(PostgresError) -> [Setting] {
        guard !text.utf8.contains(0) else {
            throw PostgresError(code: .connectionFailed, message: "connection string contains a NUL character",
                                context: "parse connection string")
        }
        var errorText: UnsafeMutablePointer<CChar>? = nil
        guard let options = PQconninfoParse(text, &errorText) else {
            let raw = errorText.map { String(cString: $0) } ?? "out of memory"
            if let errorText { PQfreemem(errorText) }
            throw PostgresError(code: .connectionFailed, message: scrub(PostgresError.oneLine(raw), from: text),
                                context: "parse connection string")
        }
        defer { PQconninfoFree(options) }
        var settings: [Setting] = []
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                settings.append((String(cString: keyword), String(cString: value)))
            }
            cursor += 1
        }
        return settings
    }

    /// The settings we connect with: the string's own, plus `connect_timeout=3` and `application_name` when it
    /// has none, plus `-c TimeZone=UTC`, `-c search_path=…` and `-c statement_timeout=…` appended to its
    /// `options` (later `-c` wins). Every session runs in UTC, so `now()` stored in a `timestamp` column
    /// (without time zone, as the original `replicate_tasks` has) is UTC whichever session wrote it, and
    /// reads can say so (`Z`) whatever the server's or the role's default zone is.
    /// With `liveness`, its keep-alive settings for both ends are added too (the string's own win on
    /// the client's side).
    static func settings(
        for text: String, schema: String?, applicationName: String, statementTimeoutMilliseconds: Int?,
        liveness: PostgresLiveness? = nil
    ) throws(PostgresError) -> [Setting] {
        var settings = try parse(text)
        func has(_ keyword: String) -> Bool { settings.contains { $0.keyword == keyword } }
        if !has("connect_timeout") { settings.append(("connect_timeout", "3")) }
        if !has("application_name") { settings.append(("application_name", applicationName)) }
        for setting in liveness?.clientSettings ?? [] where !has(setting.keyword) { settings.append(setting) }
        var extra = ["-c TimeZone=UTC"] + (liveness?.serverOptions ?? [])
        if let schema {
            let path = try PostgresIdentifier.quoted(schema) + ",public"
            extra.append("-c search_path=" + PostgresIdentifier.escapedForOptions(path))
        }
        if let statementTimeoutMilliseconds {
            extra.append("-c statement_timeout=\(max(0, statementTimeoutMilliseconds))")
        }
        do {
            if let position = settings.firstIndex(where: { $0.keyword == "options" }) {
                settings[position].value += " " + extra.joined(separator: " ")
            } else {
                settings.append(("options", extra.joined(separator: " ")))
            }
        }
        return settings
    }

    /// A description safe for logs and errors: the explicit settings as `key=value`, with the password shown as
    /// `***`; an unparseable string is not echoed at all.
    public static func redacted(_ text: String) -> String {
        guard let settings = try? parse(text) else { return "<unparseable connection string>" }
        if settings.isEmpty { return "<libpq defaults>" }
        return settings.map { setting in
            let value = setting.keyword == "password" ? "***" : setting.value
            let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" })
            let quoted = value.replacing("\\", with: "\\\\").replacing("'", with: "\\'")
            return "\(setting.keyword)=\(needsQuotes ? "'\(quoted)'" : value)"
        }.joined(separator: " ")
    }

    /// Replaces anything in `message` that may be the password of `connectionString` with `***`: libpq's parse
    /// errors quote the offending token (e.g. `invalid percent-encoded token: "p%zz"`).
    static func scrub(_ message: String, from connectionString: String) -> String {
        var result = message
        for secret in passwordCandidates(in: connectionString) where secret.count >= 1 {
            result = result.replacing(secret, with: "***")
        }
        return result
    }

    /// Everything that could be a password: URL userinfo (after the colon) and `password=` values, raw.
    private static func passwordCandidates(in text: String) -> [String] {
        var candidates: [String] = []
        if let schemeEnd = text.firstRange(of: "://") {
            let rest = text[schemeEnd.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    candidates.append(String(userInfo[userInfo.index(after: colon)...]))
                }
                candidates.append(String(userInfo))
            }
        }
        var search = text[...]
        while let found = search.firstRange(of: "password") {
            var value = search[found.upperBound...].drop { $0 == " " }
            guard value.first == "=" else { search = search[found.upperBound...]; continue }
            value = value.dropFirst().drop { $0 == " " }
            let token = value.first == "'" ? value.dropFirst().prefix { $0 != "'" }
                                           : value.prefix { $0 != " " && $0 != "&" }
            if !token.isEmpty { candidates.append(String(token)) }
            search = search[found.upperBound...]
        }
        return candidates.sorted { $0.count > $1.count }  // longest first, so a prefix never leaves a tail behind
    }
}
