import FnhostTestSupport
import Foundation
import FunctionRuntime
import Testing
@testable import TryOnCore

@Suite("ResultStorage")
struct ResultStorageTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0, 1]
    static let webp: [UInt8] = Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8) + [0, 0]
    static let gif: [UInt8] = Array("GIF89a".utf8) + [1, 0, 1, 0]

    func files(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    @Test func storeWritesTheFileAtomicallyAndReturnsItsURL() throws {
        let temporary = try TemporaryFolder("storage")
        let directory = temporary.path + "/results"  // does not exist yet: created on first store
        let storage = ResultStorage(directory: directory, publicBaseURL: "https://cdn.test/results//")
        #expect(storage.publicBaseURL == "https://cdn.test/results")

        let url = try storage.store(Self.png, taskId: "task_01-AB", step: 0, contentType: "image/png")
        #expect(url == "https://cdn.test/results/task_01-AB/step-1.png")
        #expect(try files(in: directory + "/task_01-AB") == ["step-1.png"])  // no .tmp left behind
        #expect(FileManager.default.contents(atPath: directory + "/task_01-AB/step-1.png").map(Array.init) == Self.png)

        // The next step gets its own file; the same step again replaces its file whole.
        let second = try storage.store(Self.jpeg, taskId: "task_01-AB", step: 1, contentType: "image/jpeg")
        #expect(second == "https://cdn.test/results/task_01-AB/step-2.jpg")
        let replacement = Self.png + [1, 2, 3]
        #expect(try storage.store(replacement, taskId: "task_01-AB", step: 0, contentType: nil) == url)
        #expect(try files(in: directory + "/task_01-AB") == ["step-1.png", "step-2.jpg"])
        #expect(
            FileManager.default.contents(atPath: directory + "/task_01-AB/step-1.png").map(Array.init) == replacement)
        #expect(try files(in: directory) == ["task_01-AB"])
    }

    @Test func storeAnEmptyFileAndALargeOne() throws {
        let temporary = try TemporaryFolder("storage-sizes")
        let storage = ResultStorage(directory: temporary.path, publicBaseURL: "http://127.0.0.1:8080/results")
        #expect(try storage.store([], taskId: "t", step: 4, contentType: nil) == "http://127.0.0.1:8080/results/t/step-5.png")
        let large = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let url = try storage.store(large, taskId: "t", step: 0, contentType: "application/octet-stream")
        #expect(url.hasSuffix("/t/step-1.png"))
        #expect(FileManager.default.contents(atPath: temporary.path + "/t/step-1.png").map(Array.init) == large)
        #expect(try files(in: temporary.path + "/t") == ["step-1.png", "step-5.png"])
    }

    @Test(arguments: [
        ("image/png", png, "png"),
        ("image/jpeg", png, "jpg"),
        ("IMAGE/JPG", [UInt8](), "jpg"),
        ("image/webp", png, "webp"),
        ("image/gif", png, "gif"),
        (nil, jpeg, "jpg"),
        (nil, webp, "webp"),
        (nil, gif, "gif"),
        (nil, png, "png"),
        ("application/octet-stream", jpeg, "jpg"),
        ("application/octet-stream", webp, "webp"),
        ("binary/octet-stream", gif, "gif"),
        ("application/octet-stream", [0x00, 0x01], "png"),
        (nil, [UInt8](), "png"),
        // RIFF/WEBP needs more than 12 bytes.
        (nil, Array("RIFF\0\0\0\0WEBP".utf8), "png"),
    ] as [(String?, [UInt8], String)])
    func fileExtension(contentType: String?, bytes: [UInt8], expected: String) throws {
        #expect(ResultFile.fileExtension(contentType: contentType, bytes: bytes) == expected)
        let temporary = try TemporaryFolder("ext")
        let url = try ResultStorage(directory: temporary.path, publicBaseURL: "https://cdn.test")
            .store(bytes, taskId: "t1", step: 2, contentType: contentType)
        #expect(url == "https://cdn.test/t1/step-3.\(expected)")
        #expect(try files(in: temporary.path + "/t1") == ["step-3.\(expected)"])
    }

    @Test(arguments: ["", "../escape", "a/b", "..", ".", "x y", "t1;rm", "задача", String(repeating: "a", count: 64)])
    func invalidTaskIdIsRefused(taskId: String) throws {
        let temporary = try TemporaryFolder("bad-id")
        let storage = ResultStorage(directory: temporary.path + "/results", publicBaseURL: "https://cdn.test")
        #expect(throws: TryOnError.self) {
            try storage.store(Self.png, taskId: taskId, step: 0, contentType: "image/png")
        }
        do {
            _ = try storage.store(Self.png, taskId: taskId, step: 0, contentType: "image/png")
        } catch {
            #expect(error.code == .internal)
        }
        // Nothing was written anywhere.
        #expect(try files(in: temporary.path) == [])
    }

    @Test func unwritableDirectoryThrows() throws {
        let storage = ResultStorage(directory: "/proc/definitely/not/here", publicBaseURL: "https://cdn.test")
        #expect(throws: TryOnError.self) { try storage.store(Self.png, taskId: "t", step: 0, contentType: nil) }
    }

    @Test func fromEnvironment() throws {
        let defaults = try ResultStorage.fromEnvironment([:])
        #expect(defaults.directory == ".run/results")
        #expect(defaults.publicBaseURL == "http://127.0.0.1:8080/results")
        #expect(defaults.backend == .files)

        let derived = try ResultStorage.fromEnvironment(["FNHOST_RUN_DIR": "/srv/run", "FNHOST_BASE_URL": "https://fn.test"])
        #expect(derived.directory == "/srv/run/results")
        #expect(derived.publicBaseURL == "https://fn.test/results")

        let explicit = try ResultStorage.fromEnvironment([
            "FNHOST_RUN_DIR": "/srv/run", "STORAGE_DIR": "/data/img", "STORAGE_PUBLIC_URL": "https://img.test/r/",
            "STORAGE_BACKEND": "postgres",
        ])
        #expect(explicit.directory == "/data/img")
        #expect(explicit.publicBaseURL == "https://img.test/r")
        #expect(explicit.backend == .postgres)
    }
}

@Suite("RequestIdentity")
struct RequestIdentityTests {
    /// Absent: nil (status then checks no owner); present and usable: the trimmed id.
    @Test(arguments: [
        (["X-User-Id": "user-42"], "user-42" as String?),
        (["x-user-id": "user-42"], "user-42"),
        (["X-USER-ID": "user-42"], "user-42"),
        (["X-User-Id": "  user-42 \t"], "user-42"),
        (["X-User-Id": "пользователь"], "пользователь"),
        (["X-User-Id": "a b"], "a b"),
        (["X-User-Id": String(repeating: "u", count: 128)], String(repeating: "u", count: 128)),
        (["X-User-Id": String(repeating: "я", count: 64)], String(repeating: "я", count: 64)),  // 128 bytes
        ([:], nil),
        (["Content-Type": "application/json"], nil),
    ])
    func usableOrAbsentUserIds(headers: [String: String], expected: String?) throws {
        let event = Samples.event(headers: headers)
        #expect(try RequestIdentity.optionalUserId(event) == expected)
        do {
            let userId = try RequestIdentity.requireUserId(event)
            #expect(userId == expected)
        } catch {
            #expect(expected == nil)
            #expect(error.status == 401)
            #expect(error.message == "X-User-Id header is required")
        }
    }

    /// Present but unusable: refused by both (never taken for "absent", which would skip status's owner check).
    @Test(arguments: [
        "", "   ", String(repeating: "u", count: 129),
        String(repeating: "я", count: 65),  // 65 characters but 130 bytes
        "user\u{0}1", "user\u{1}1", "user\t1", "user\n1", "user\u{7F}", "user\u{85}", "user\u{FFFD}",
    ])
    func malformedUserIdsAreRefused(value: String) {
        let event = Samples.event(headers: ["X-User-Id": value])
        do {
            let accepted = try RequestIdentity.optionalUserId(event)
            Issue.record("optional: \(value.debugDescription) accepted as \(String(describing: accepted))")
        } catch {
            #expect(error.status == 401)
            #expect(error.message == "X-User-Id must be 1-128 bytes of printable UTF-8 text")
        }
        do {
            let accepted = try RequestIdentity.requireUserId(event)
            Issue.record("required: \(value.debugDescription) accepted as \(accepted)")
        } catch {
            #expect(error.status == 401)
            #expect(error.message == "X-User-Id must be 1-128 bytes of printable UTF-8 text")
        }
    }

    @Test func aRepeatedHeaderIsRefused() throws {
        var event = Samples.event(headers: ["X-User-Id": "owner"])
        event.multiValueHeaders["X-User-Id"] = ["intruder", "owner"]
        #expect(throws: TryOnError.self) { try RequestIdentity.optionalUserId(event) }
        #expect(throws: TryOnError.self) { try RequestIdentity.singleHeader(event, "x-user-id", problem: "twice") }
        event.multiValueHeaders["X-User-Id"] = ["owner"]
        #expect(try RequestIdentity.singleHeader(event, "X-USER-ID", problem: "twice") == "owner")
    }

    @Test(arguments: [
        ("s3cret-token", "s3cret-token", true),
        ("", "", true),
        ("токен", "токен", true),
        ("s3cret-token", "s3cret-tokeN", false),
        ("s3cret-toke", "s3cret-token", false),
        ("s3cret-token", "s3cret-toke", false),
        ("s3cret-token\u{0}", "s3cret-token", false),
        ("", "s3cret-token", false),
        ("s3cret-token", "", false),
        ("Bearer s3cret-token", "s3cret-token", false),
        ("токен", "токеН", false),
    ])
    func secretsMatch(given: String, expected: String, matches: Bool) {
        #expect(RequestIdentity.secretsMatch(given, expected) == matches)
    }

    @Test func bodyText() throws {
        #expect(try RequestIdentity.bodyText(Samples.event(body: "{\"a\": 1}")) == "{\"a\": 1}")
        #expect(try RequestIdentity.bodyText(Samples.event(body: "eyJhIjogMX0=", base64: true)) == "{\"a\": 1}")
        #expect(try RequestIdentity.bodyText(Samples.event(body: "", base64: true)) == "")
        do {
            _ = try RequestIdentity.bodyText(Samples.event(body: "not base64!", base64: true))
            Issue.record("invalid base64 accepted")
        } catch {
            #expect(error.code == .invalidRequest)
            #expect(error.message == "The request body is not valid base64")
        }
        do {
            _ = try RequestIdentity.bodyText(Samples.event(body: "//79", base64: true))  // FF FE FD
            Issue.record("non-UTF-8 accepted")
        } catch {
            #expect(error.code == .invalidRequest)
            #expect(error.message == "The request body is not UTF-8 text")
        }
    }
}
