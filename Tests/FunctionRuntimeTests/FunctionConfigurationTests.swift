import Foundation
import Testing

@testable import FunctionRuntime

func parseConfiguration(_ text: String, file: String = "functions/demo/function.json") -> Result<
    FunctionConfiguration, ConfigurationError
> {
    do throws(ConfigurationError) {
        return .success(try FunctionConfiguration.parse(Array(text.utf8), file: file))
    } catch {
        return .failure(error)
    }
}

func configurationError(_ text: String, file: String = "functions/demo/function.json") -> ConfigurationError? {
    if case .failure(let error) = parseConfiguration(text, file: file) { return error }
    return nil
}

/// `function.json`: defaults, every key, and refusals that name the file and the key.
@Suite struct FunctionConfigurationTests {
    @Test func emptyObjectGivesTheDefaults() throws {
        let configuration = try parseConfiguration("{}").get()
        #expect(configuration == FunctionConfiguration())
        #expect(configuration.timeoutSeconds == 30)
        #expect(configuration.concurrency == 2)
        #expect(configuration.memoryMB == 128)
        #expect(configuration.environment.isEmpty)
        #expect(configuration.version == "$LATEST")
        #expect(configuration.maxRequests == 100_000)
        #expect(configuration.queueTimeoutSeconds == 5)
        #expect(configuration.maxQueue == 128)
        #expect(configuration.description == "")
    }

    @Test func everyKeyIsRead() throws {
        let configuration = try parseConfiguration(
            #"""
            {"timeout": 600, "concurrency": 8, "memory": 512, "environment": {"DATABASE_URL": "postgres://x", "EMPTY": ""},
             "version": "3", "maxRequests": 0, "queueTimeout": 0.5, "maxQueue": 0, "description": "Tasks API"}
            """#
        ).get()
        var expected = FunctionConfiguration()
        expected.timeoutSeconds = 600
        expected.concurrency = 8
        expected.memoryMB = 512
        expected.environment = ["DATABASE_URL": "postgres://x", "EMPTY": ""]
        expected.version = "3"
        expected.maxRequests = 0
        expected.queueTimeoutSeconds = 0.5
        expected.maxQueue = 0
        expected.description = "Tasks API"
        #expect(configuration == expected)
    }

    /// The defaults with one knob changed.
    static func defaults(_ change: (inout FunctionConfiguration) -> Void) -> FunctionConfiguration {
        var configuration = FunctionConfiguration()
        change(&configuration)
        return configuration
    }

    @Test(arguments: [
        (#"{"timeout": 0.1}"#, defaults { $0.timeoutSeconds = 0.1 }), (#"{"timeout": 600}"#, defaults { $0.timeoutSeconds = 600 }),
        (#"{"timeout": 3600}"#, defaults { $0.timeoutSeconds = 3600 }), (#"{"concurrency": 1}"#, defaults { $0.concurrency = 1 }),
        (#"{"concurrency": 64}"#, defaults { $0.concurrency = 64 }), (#"{"memory": 16}"#, defaults { $0.memoryMB = 16 }),
        (#"{"memory": 4096}"#, defaults { $0.memoryMB = 4096 }), (#"{"queueTimeout": 0}"#, defaults { $0.queueTimeoutSeconds = 0 }),
        (#"{"queueTimeout": 600}"#, defaults { $0.queueTimeoutSeconds = 600 }),
        (#"{"maxQueue": 100000}"#, defaults { $0.maxQueue = 100_000 }),
        (#"{"maxRequests": 1000000000}"#, defaults { $0.maxRequests = 1_000_000_000 }),
        (#"{"concurrency": 4.0}"#, defaults { $0.concurrency = 4 }),
    ])
    func boundariesAreAcceptedAsTheyAre(text: String, expected: FunctionConfiguration) throws {
        let configuration = try parseConfiguration(text).get()
        #expect(configuration == expected, "\(text) decoded as \(configuration)")
        #expect(configuration != FunctionConfiguration(), "\(text) changed its knob from the default")
    }

    @Test(arguments: [
        (#"{"timeout": 0}"#, "timeout"), (#"{"timeout": 0.05}"#, "timeout"), (#"{"timeout": 3601}"#, "timeout"),
        (#"{"timeout": -1}"#, "timeout"), (#"{"concurrency": 0}"#, "concurrency"),
        (#"{"concurrency": 65}"#, "concurrency"), (#"{"concurrency": 2.5}"#, "concurrency"),
        (#"{"memory": 15}"#, "memory"), (#"{"memory": 4097}"#, "memory"), (#"{"maxRequests": -1}"#, "maxRequests"),
        (#"{"queueTimeout": -0.1}"#, "queueTimeout"), (#"{"queueTimeout": 601}"#, "queueTimeout"),
        (#"{"maxQueue": -1}"#, "maxQueue"), (#"{"maxQueue": 100001}"#, "maxQueue"),
        (#"{"memory": 1e300}"#, "memory"),
    ])
    func outOfRangeIsRejectedNamingFileAndKey(text: String, key: String) throws {
        let error = try #require(configurationError(text))
        #expect(error.file == "functions/demo/function.json")
        #expect(error.description.hasPrefix("functions/demo/function.json "))
        #expect(error.reason.contains("\"\(key)\""))
    }

    @Test(arguments: [
        (#"{"timeout": "30"}"#, "timeout"), (#"{"concurrency": true}"#, "concurrency"), (#"{"memory": null}"#, "memory"),
        (#"{"maxRequests": "10"}"#, "maxRequests"), (#"{"queueTimeout": [5]}"#, "queueTimeout"),
        (#"{"maxQueue": {}}"#, "maxQueue"), (#"{"version": 1}"#, "version"), (#"{"description": []}"#, "description"),
        (#"{"environment": []}"#, "environment"), (#"{"environment": "A=1"}"#, "environment"),
        (#"{"environment": {"A": 1}}"#, "environment"), (#"{"environment": {"A": null}}"#, "environment"),
        (#"{"environment": {"A=B": "x"}}"#, "environment"), (#"{"environment": {"": "x"}}"#, "environment"),
    ])
    func wrongTypesAreRejectedNamingFileAndKey(text: String, key: String) throws {
        let error = try #require(configurationError(text))
        #expect(error.file == "functions/demo/function.json")
        #expect(error.reason.contains("\"\(key)\""))
    }

    @Test(arguments: ["timout", "Timeout", "env", "handler"])
    func unknownKeysAreRejectedNamingTheKey(key: String) throws {
        let error = try #require(configurationError(#"{"timeout": 30, "\#(key)": 1}"#))
        #expect(error.description.contains("functions/demo/function.json"))
        #expect(error.reason.contains("\"\(key)\""))
        #expect(error.reason.contains("timeout"))
    }

    @Test(arguments: ["", "not json", "{", "[]", "30", #""timeout""#, "null"])
    func notAnObjectIsRejected(text: String) throws {
        let error = try #require(configurationError(text, file: "x/function.json"))
        #expect(error.file == "x/function.json")
        #expect(error.description.hasPrefix("x/function.json "))
    }
}
