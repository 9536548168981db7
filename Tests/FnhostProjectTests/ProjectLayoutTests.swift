import Testing
import FnhostProject

struct ProjectLayoutTests {
    @Test func projectModeUsesTheExportsFolders() throws {
        let layout = try ProjectLayout(project: "/home/me/myapp", functions: nil, environmentFile: nil)
        #expect(layout.isProject)
        #expect(layout.functionsDirectory == "/home/me/myapp/backend")
        #expect(layout.migrationsDirectory == "/home/me/myapp/db_migrations")
        #expect(layout.environmentFile == "/home/me/myapp/.env")
        #expect(!layout.environmentFileRequired)
    }

    @Test func anEnvFileOptionIsRequiredToExist() throws {
        let layout = try ProjectLayout(project: "/p/", functions: nil, environmentFile: "/secrets/app.env")
        #expect(layout.functionsDirectory == "/p/backend")
        #expect(layout.environmentFile == "/secrets/app.env")
        #expect(layout.environmentFileRequired)
    }

    @Test func withoutAProjectNothingChanges() throws {
        let layout = try ProjectLayout(project: nil, functions: nil, environmentFile: nil)
        #expect(!layout.isProject)
        #expect(layout.functionsDirectory == "functions")
        #expect(layout.migrationsDirectory == "db_migrations")
        #expect(layout.environmentFile == nil)
        #expect(layout.stateDirectory(runDirectory: "/x/.run") == "/x/.run")
        #expect(try ProjectLayout(project: nil, functions: "Tests/Fixtures/functions", environmentFile: nil).functionsDirectory
            == "Tests/Fixtures/functions")
    }

    @Test func projectAndFunctionsConflict() {
        #expect(throws: ProjectError.self) { try ProjectLayout(project: "/p", functions: "f", environmentFile: nil) }
    }

    @Test func slugsAreShortStableAndDistinct() throws {
        let first = try #require(try ProjectLayout(project: "/home/a/My App!", functions: nil, environmentFile: nil).slug)
        let again = try #require(try ProjectLayout(project: "/home/a/My App!/", functions: nil, environmentFile: nil).slug)
        let other = try #require(try ProjectLayout(project: "/home/b/My App!", functions: nil, environmentFile: nil).slug)
        #expect(first.hasPrefix("my-app--"))
        #expect(first == again)
        #expect(first != other)
        #expect(first.count == "my-app--".count + 8)
        let long = try #require(try ProjectLayout(project: "/" + String(repeating: "x", count: 80), functions: nil, environmentFile: nil).slug)
        #expect(long.count == 24 + 1 + 8)
        let layout = try ProjectLayout(project: "/home/a/shop", functions: nil, environmentFile: nil)
        #expect(layout.stateDirectory(runDirectory: "/f/.run") == "/f/.run/projects/" + (layout.slug ?? ""))
    }
}
