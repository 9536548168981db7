import FnhostTestSupport
import Foundation
import Testing
@testable import TryOnCore

/// Where `TaskProcessor` keeps each step's output, by storage backend: `files` writes the file, then
/// records the step; `postgres` records the step with the bytes in one fenced write, then keeps a
/// copy in the host's folder, never when the lease was lost.
@Suite struct TaskProcessorStorageTests {
    typealias Harness = TaskProcessorTests.Harness

    func copy(_ harness: Harness, _ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: harness.storage.path + "/task-1/" + name).map(Array.init)
    }

    @Test func withPostgresEachStepIsStoredWithItsBytesInTheWriteThatRecordsIt() throws {
        let harness = try Harness(environment: ["STORAGE_BACKEND": "postgres"])
        harness.replicate.gets = [.success(.succeeded("p1"))]
        harness.replicate.downloads = [.success(TaskProcessorTests.png)]
        let outcome = harness.start(TaskProcessorTests.task(prediction: "p1"))
        #expect(outcome.status == "completed")
        let url = harness.resultURL(step: 0)
        #expect(
            harness.store.writeCalls == [
                .completeStepStoring(
                    step: 0, name: "step-1.png", contentType: "image/png", bytes: TaskProcessorTests.png, outputURL: url),
                .finish(resultURL: url),
            ])
        #expect(copy(harness, "step-1.png") == TaskProcessorTests.png, "this host's copy, served by its nginx")
    }

    @Test func withPostgresALostLeaseLeavesNoCopyAnywhere() throws {
        let harness = try Harness(environment: ["STORAGE_BACKEND": "postgres"])
        harness.replicate.gets = [.success(.succeeded("p1"))]
        harness.replicate.downloads = [.success(TaskProcessorTests.png)]
        harness.store.leaseLostFromWrite = 0
        #expect(harness.start(TaskProcessorTests.task(prediction: "p1")).status == "lease_lost")
        #expect(harness.store.writeCalls.count == 1, "the refused write only: \(harness.store.writeCalls)")
        #expect(copy(harness, "step-1.png") == nil)
        #expect(!FileManager.default.fileExists(atPath: harness.storage.path + "/task-1"))
    }

    @Test func withFilesTheFileIsWrittenThenTheStepRecorded() throws {
        let harness = try Harness()
        harness.replicate.gets = [.success(.succeeded("p1"))]
        harness.replicate.downloads = [.success(TaskProcessorTests.png)]
        #expect(harness.start(TaskProcessorTests.task(prediction: "p1")).status == "completed")
        #expect(
            harness.store.writeCalls == [
                .completeStep(step: 0, outputURL: harness.resultURL(step: 0)), .finish(resultURL: harness.resultURL(step: 0)),
            ])
        #expect(copy(harness, "step-1.png") == TaskProcessorTests.png)
    }
}
