import FnhostProject
import FunctionRuntime

/// What `fnhost serve` prepares from the project before any worker starts (they inherit the
/// environment it leaves): in project mode the database (``ProjectDatabase``), and for any catalog
/// the notice of variables the functions read that nobody set. Only names, and the embedded
/// cluster's own generated URL, are ever printed.
struct ProjectStartup {
    /// Lines for the start banner (the environment file's names, the database, the migrations).
    var bannerLines: [String] = []
    /// The notice of unset variables (empty when none are missing).
    var noticeLines: [String] = []

    /// - Parameters:
    ///   - stateDirectory: the project's run folder (its cluster goes to `<it>/pg`).
    ///   - environment: what loading the environment file did, if there was one.
    /// Call it after every variable fnhost sets itself (the stand-in's) is set.
    static func prepare(
        layout: ProjectLayout, catalog: FunctionCatalog, stateDirectory: String, environment: ProjectEnvironment.Loaded?
    ) throws -> ProjectStartup {
        var startup = ProjectStartup()
        if let environment { startup.bannerLines.append(environment.summary) }
        let reads = ProjectEnvironment.pythonReads(catalog)
        if layout.isProject,
            ProjectDatabase.isNeeded(migrationsDirectory: layout.migrationsDirectory, readVariables: Set(reads.map(\.variable)))
        {
            let database = try ProjectDatabase.prepare(migrationsDirectory: layout.migrationsDirectory, stateDirectory: stateDirectory)
            startup.bannerLines += database.summaryLines
        }
        startup.noticeLines = ProjectEnvironment.missing(catalog, reads: reads).lines(environmentFile: layout.environmentFile)
        return startup
    }
}
