/// Where a project's parts are, decided from the command line alone (no file is touched here).
///
/// - Project mode (`--project DIR`, a poehali.dev export): functions in `DIR/backend` (with its
///   `func2url.json`), migrations in `DIR/db_migrations`, variables in `DIR/.env` when it exists
///   (or the `--env-file` given). Its running files (sockets, nginx, database, stored images) go to
///   `<run dir>/projects/<slug>`, so several projects and the shipped functions never share a
///   cluster or a migration history.
/// - Otherwise (`--functions DIR`, default `functions`): migrations in `db_migrations` and no
///   environment file unless `--env-file` names one, exactly as before project mode existed.
///
/// Paths are used as given; callers pass absolute ones where the current folder may change.
public struct ProjectLayout: Sendable, Equatable {
    /// The export's root folder in project mode, nil otherwise.
    public var projectDirectory: String?
    /// The folder with `func2url.json` and one folder per function.
    public var functionsDirectory: String
    /// The folder with `V<NNNN>__<name>.sql` files (it may not exist).
    public var migrationsDirectory: String
    /// The environment file to read, if any.
    public var environmentFile: String?
    /// Whether a missing `environmentFile` is an error (it was named by `--env-file`) rather than
    /// simply absent (the project's default `.env`).
    public var environmentFileRequired: Bool

    /// The folder of a project's functions inside the export.
    public static let backendFolder = "backend"
    /// The folder of a project's migrations inside the export.
    public static let migrationsFolder = "db_migrations"
    /// The default functions folder outside project mode.
    public static let defaultFunctionsDirectory = "functions"

    /// Decides the layout from the options.
    /// - Parameters:
    ///   - project: `--project`, nil when not given.
    ///   - functions: `--functions`, nil when not given.
    ///   - environmentFile: `--env-file`, nil when not given.
    /// - Throws: `.conflictingOptions` for `--project` together with `--functions`.
    public init(project: String?, functions: String?, environmentFile: String?) throws(ProjectError) {
        if let project {
            guard functions == nil else {
                throw ProjectError(
                    .conflictingOptions,
                    "--project and --functions cannot be used together: --project \(project) already means --functions \(Self.join(project, Self.backendFolder))")
            }
            projectDirectory = project
            functionsDirectory = Self.join(project, Self.backendFolder)
            migrationsDirectory = Self.join(project, Self.migrationsFolder)
            self.environmentFile = environmentFile ?? Self.join(project, ".env")
        } else {
            projectDirectory = nil
            functionsDirectory = functions ?? Self.defaultFunctionsDirectory
            migrationsDirectory = Self.migrationsFolder
            self.environmentFile = environmentFile
        }
        environmentFileRequired = environmentFile != nil
    }

    /// Whether this is project mode.
    public var isProject: Bool { projectDirectory != nil }

    /// A short, stable folder name for the project: its folder's name reduced to `[a-z0-9-_]` (at most
    /// 24 characters) and 8 hex digits of a hash of its full path, so two `app` folders differ.
    public var slug: String? {
        guard let projectDirectory else { return nil }
        var trimmed = Substring(projectDirectory)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let base = trimmed.split(separator: "/").last.map(String.init) ?? "project"
        var name = String(base.lowercased().unicodeScalars.map { scalar -> Character in
            let allowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
            return allowed ? Character(scalar) : "-"
        }.prefix(24))
        if name.isEmpty { name = "project" }
        return name + "-" + Self.shortHash(String(trimmed))
    }

    /// Where this layout's running files go under a run folder: `<run dir>/projects/<slug>` in
    /// project mode, the run folder itself otherwise.
    public func stateDirectory(runDirectory: String) -> String {
        guard let slug else { return runDirectory }
        return Self.join(runDirectory, "projects/" + slug)
    }

    /// `a/b`, without doubling a slash.
    public static func join(_ base: String, _ tail: String) -> String {
        base.hasSuffix("/") ? base + tail : base + "/" + tail
    }

    /// 8 lower-case hex digits of a 32-bit FNV-1a hash.
    static func shortHash(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
