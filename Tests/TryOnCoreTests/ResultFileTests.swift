import FnhostTestSupport
import Foundation
import FunctionRuntime
import Testing
@testable import TryOnCore

/// The storage backend's setting, the names and types of stored files, and the `<task>/<file>`
/// paths a host is asked for.
@Suite("Result files")
struct ResultFileTests {
    @Test(arguments: [
        ([:], StorageBackend.files), (["STORAGE_BACKEND": ""], .files), (["STORAGE_BACKEND": "files"], .files),
        (["STORAGE_BACKEND": "postgres"], .postgres),
    ] as [([String: String], StorageBackend)])
    func theBackendComesFromStorageBackend(environment: [String: String], expected: StorageBackend) throws {
        #expect(try StorageBackend.fromEnvironment(environment) == expected)
        #expect(try ResultStorage.fromEnvironment(environment).backend == expected)
        #expect(TryOnWorkerSettings(environment: environment).configurationProblem == nil)
    }

    @Test(arguments: ["s3", "Postgres", "postgresql", " postgres", "files,postgres", "none"])
    func anyOtherBackendIsAConfigurationErrorNamingTheValue(value: String) throws {
        let environment = ["STORAGE_BACKEND": value]
        let error = try #require(throws: TryOnError.self) { try StorageBackend.fromEnvironment(environment) }
        #expect(error.message.hasPrefix("STORAGE_BACKEND=\(value) is not a storage backend"), "\(error.message)")
        #expect(error.message.contains("files") && error.message.contains("postgres"))
        #expect(throws: TryOnError.self) { try ResultStorage.fromEnvironment(environment) }
        // The worker and the webhook refuse to start with it.
        #expect(TryOnWorkerSettings(environment: environment).configurationProblem == error.message)
    }

    @Test(arguments: [
        ("image/png", [0x89, 0x50, 0x4E, 0x47], "step-1.png", "image/png"),
        ("image/jpeg", [], "step-1.jpg", "image/jpeg"),
        (nil, [0xFF, 0xD8, 0xFF, 0xE0], "step-1.jpg", "image/jpeg"),
        ("image/webp", [], "step-1.webp", "image/webp"),
        ("image/gif", [], "step-1.gif", "image/gif"),
        ("application/octet-stream", [0, 1, 2], "step-1.png", "image/png"),
    ] as [(String?, [UInt8], String, String)])
    func aStepsFileIsNamedAndTypedByWhatItHolds(downloaded: String?, bytes: [UInt8], name: String, type: String) {
        let file = ResultFile(taskId: "t", step: 0, bytes: bytes, downloadedContentType: downloaded)
        #expect(file.name == name)
        #expect(file.contentType == type)
        #expect(ResultFile(taskId: "t", step: 4, bytes: bytes, downloadedContentType: downloaded).name == "step-5." + name.split(separator: ".")[1])
    }

    @Test(arguments: [
        ("task-1/step-1.png", "task-1", "step-1.png"),
        ("0377c8cf-0e9e-4458-912d-0bb16066b598/step-12.webp", "0377c8cf-0e9e-4458-912d-0bb16066b598", "step-12.webp"),
        ("T_1/other.name.gif", "T_1", "other.name.gif"),
    ])
    func aWellFormedPathNamesATaskAndAFile(text: String, taskId: String, name: String) throws {
        #expect(try ResultFilePath(parsing: text) == ResultFilePath(taskId: taskId, name: name))
    }

    @Test(arguments: [
        ("", "must name a task and a file"), ("task-1", "must name a task and a file"), ("task-1/", "file name"),
        ("/step-1.png", "task id"), ("a/b/c", "must name a task and a file"), ("task-1/step-1.png/", "must name a task and a file"),
        ("../step-1.png", "task id"), ("task-1/..", "file name"), ("task-1/.step-1.png.7.tmp", "file name"),
        ("task 1/step-1.png", "task id"), ("task-1/step 1.png", "file name"), ("задача/step-1.png", "task id"),
        ("task-1/step-1.png%00", "file name"), (String(repeating: "t", count: 64) + "/step-1.png", "task id"),
        ("task-1/" + String(repeating: "s", count: 64), "file name"), ("task-1//step-1.png", "must name a task and a file"),
    ])
    func aMalformedPathIsA400SayingWhichPart(text: String, says: String) throws {
        let error = try #require(throws: TryOnError.self) { try ResultFilePath(parsing: text) }
        #expect(error.code == .invalidRequest)
        #expect(error.status == 400)
        #expect(error.message.contains(says), "\(text): \(error.message)")
    }

    @Test func storageWritesAFileUnderItsTaskAndNamesItsURL() throws {
        let folder = try TemporaryFolder("result-file")
        let storage = ResultStorage(directory: folder.path, publicBaseURL: "https://cdn.test/results/", backend: .postgres)
        let file = try storage.file([1, 2, 3], taskId: "t-9", step: 1, contentType: "image/gif")
        #expect(storage.url(taskId: file.taskId, name: file.name) == "https://cdn.test/results/t-9/step-2.gif")
        try storage.write(file)
        #expect(FileManager.default.contents(atPath: folder.path + "/t-9/step-2.gif").map(Array.init) == [1, 2, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/t-9") == ["step-2.gif"])
        let outside = ResultFile(taskId: "t-9", name: "../escape.png", contentType: "image/png", bytes: [1])
        #expect(throws: TryOnError.self) { try storage.write(outside) }
        #expect(throws: TryOnError.self) { try storage.file([1], taskId: "../t", step: 0, contentType: nil) }
    }
}
