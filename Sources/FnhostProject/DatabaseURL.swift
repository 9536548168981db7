/// Small rewrites of a libpq connection string that project mode needs; pure text work.
public enum DatabaseURL {
    /// The same connection with another database name.
    ///
    /// - URL form (`postgresql://user:pass@host/db?host=/socket`): the path is replaced (added when
    ///   absent), the query is kept.
    /// - key=value form: ` dbname=<name>` is appended (libpq takes the last value of a key).
    ///
    /// `name` must be a plain identifier (`[a-z0-9_]`), which the throwaway names are.
    public static func replacingDatabase(in url: String, with name: String) -> String {
        guard let scheme = ["postgresql://", "postgres://"].first(where: { url.hasPrefix($0) }) else {
            return url + " dbname=" + name
        }
        let rest = url.dropFirst(scheme.count)
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        let beforeQuery = rest[..<queryStart]
        let authority = beforeQuery.firstIndex(of: "/").map { beforeQuery[..<$0] } ?? beforeQuery
        return scheme + authority + "/" + name + rest[queryStart...]
    }

    /// The database name a throwaway database of this process gets: `fnhost_test_<pid>_<suffix>`.
    public static func throwawayName(processID: Int32, suffix: String) -> String {
        "\(throwawayPrefix)\(processID)_\(suffix)"
    }

    /// The prefix of every throwaway database name.
    public static let throwawayPrefix = "fnhost_test_"

    /// The process id a throwaway database name carries, or nil for any other name.
    public static func throwawayProcessID(_ name: String) -> Int32? {
        guard name.hasPrefix(throwawayPrefix) else { return nil }
        let rest = name.dropFirst(throwawayPrefix.count)
        return rest.split(separator: "_").first.flatMap { Int32($0) }
    }
}
