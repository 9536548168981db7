import FnhostTestSupport
import Foundation
import Testing

@testable import FunctionRuntime

/// A temporary folder, removed when the test ends.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "fnhost-catalog-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ relativePath: String, _ text: String) throws {
        let full = path + "/" + relativePath
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func loadCatalog(_ directory: String) -> Result<FunctionCatalog, ConfigurationError> {
    do throws(ConfigurationError) {
        return .success(try FunctionCatalog.load(directory: directory))
    } catch {
        return .failure(error)
    }
}

func func2URLPairs(_ text: String) -> Result<[[String]], ConfigurationError> {
    do throws(ConfigurationError) {
        return .success(try FunctionCatalog.parseFunc2URL(Array(text.utf8), file: "f2u.json").map { [$0.0, $0.1] })
    } catch {
        return .failure(error)
    }
}

let uuidA = "0b8e6c2a-1f3d-4e5a-9b7c-2d4e6f8a0b1c"
let uuidB = "7d1c9e4f-5a6b-4c3d-8e2f-1a0b9c8d7e6f"

/// `func2url.json` + `function.json` files -> the catalog.
@Suite struct FunctionCatalogTests {
    @Test func parseFunc2URLSortsByName() throws {
        let result = try func2URLPairs(
            #"{"tasks": "https://functions.poehali.dev/\#(uuidB)", "auth": "https://functions.poehali.dev/\#(uuidA)"}"#
        ).get()
        #expect(
            result == [
                ["auth", "https://functions.poehali.dev/\(uuidA)"], ["tasks", "https://functions.poehali.dev/\(uuidB)"],
            ])
        #expect(try func2URLPairs("{}").get().isEmpty)
    }

    @Test(arguments: [
        "", "[]", "not json", #"{"a": 1}"#, #"{"a": null}"#, #"{"a b": "https://x/\#(uuidA)"}"#,
        #"{"": "https://x/\#(uuidA)"}"#, #"{"../etc": "https://x/\#(uuidA)"}"#,
    ])
    func badFunc2URLIsRejected(text: String) throws {
        guard case .failure(let error) = func2URLPairs(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(error.file == "f2u.json")
    }

    @Test(arguments: [
        ("https://functions.poehali.dev/\(uuidA)", uuidA),
        ("https://functions.poehali.dev/\(uuidA.uppercased())", uuidA),
        ("https://functions.poehali.dev/\(uuidA)/", uuidA),
        ("https://functions.poehali.dev/\(uuidA)//", uuidA),
        (uuidA, uuidA),
        ("http://localhost:8080/\(uuidB)", uuidB),
    ])
    func uuidIsFoundAtTheEndOfTheURL(url: String, uuid: String) {
        #expect(FunctionCatalog.uuid(inURL: url) == uuid)
    }

    @Test(arguments: [
        "", "/", "https://functions.poehali.dev/", "https://functions.poehali.dev/tasks",
        "https://functions.poehali.dev/\(uuidA)?x=1", "https://functions.poehali.dev/\(uuidA)/extra",
        "https://functions.poehali.dev/\(uuidA.dropLast())",
    ])
    func urlWithoutATrailingUUIDGivesNil(url: String) {
        #expect(FunctionCatalog.uuid(inURL: url) == nil)
    }

    @Test(arguments: [
        ("a", true), ("tasks", true), ("ext-func", true), ("my_func2", true), ("UPPER", true),
        (String(repeating: "x", count: 63), true), (String(repeating: "x", count: 64), false), ("", false),
        ("a.b", false), ("a b", false), ("a/b", false), ("имя", false), ("..", false), ("a\n", false),
    ])
    func functionNames(name: String, valid: Bool) {
        #expect(FunctionCatalog.isValidName(name) == valid)
    }

    @Test func loadReadsTheMapAndEachFunctionsConfiguration() throws {
        let folder = try TemporaryFolder()
        try folder.write(
            "func2url.json",
            #"{"tasks": "https://functions.poehali.dev/\#(uuidB.uppercased())", "auth": "https://functions.poehali.dev/\#(uuidA)"}"#
        )
        try folder.write("tasks/function.json", #"{"timeout": 10, "concurrency": 4, "environment": {"K": "v"}}"#)
        let catalog = try loadCatalog(folder.path).get()
        #expect(catalog.directory == folder.path)
        #expect(catalog.functions.map(\.name) == ["auth", "tasks"])

        let auth = try #require(catalog.function(named: "auth"))
        #expect(auth.uuid == uuidA)
        #expect(auth.url == "https://functions.poehali.dev/\(uuidA)")
        #expect(auth.configuration == FunctionConfiguration())

        let tasks = try #require(catalog.function(named: "tasks"))
        #expect(tasks.uuid == uuidB)
        #expect(tasks.url == "https://functions.poehali.dev/\(uuidB.uppercased())")
        #expect(tasks.configuration.timeoutSeconds == 10)
        #expect(tasks.configuration.concurrency == 4)
        #expect(tasks.configuration.environment == ["K": "v"])

        #expect(catalog.function(matching: uuidB)?.name == "tasks")
        #expect(catalog.function(matching: uuidB.uppercased())?.name == "tasks")
        #expect(catalog.function(matching: "auth")?.uuid == uuidA)
        #expect(catalog.function(matching: "AUTH") == nil)
        #expect(catalog.function(matching: "nope") == nil)
        #expect(catalog.function(named: "nope") == nil)
    }

    @Test func missingMapIsAnErrorNamingIt() throws {
        let folder = try TemporaryFolder()
        let error = try #require(loadCatalog(folder.path).failureValue)
        #expect(error.file == folder.path + "/func2url.json")
    }

    @Test func badFunctionConfigurationIsAnErrorNamingItsFile() throws {
        let folder = try TemporaryFolder()
        try folder.write("func2url.json", #"{"tasks": "https://functions.poehali.dev/\#(uuidA)"}"#)
        try folder.write("tasks/function.json", #"{"timeout": 9999}"#)
        let error = try #require(loadCatalog(folder.path).failureValue)
        #expect(error.file == folder.path + "/tasks/function.json")
        #expect(error.reason.contains("\"timeout\""))
    }

    @Test func urlWithoutUUIDIsAnErrorNamingTheFunction() throws {
        let folder = try TemporaryFolder()
        try folder.write("func2url.json", #"{"tasks": "https://functions.poehali.dev/tasks"}"#)
        let error = try #require(loadCatalog(folder.path).failureValue)
        #expect(error.file == folder.path + "/func2url.json")
        #expect(error.reason.contains("\"tasks\""))
    }

    @Test func theRepositoryFixturesLoad() throws {
        let fixtures = PackageRoot.appending("Tests/Fixtures/functions").path
        let catalog = try loadCatalog(fixtures).get()
        #expect(catalog.function(named: "echo") != nil)
        #expect(catalog.functions.allSatisfy { UUIDText.isValid($0.uuid) })
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
