import FnhostTestSupport
import Foundation
import Postgres
import Testing
@testable import TryOnCore

/// `replicate_result_files` through `TaskStore` against a real PostgreSQL: the step and its image
/// in one write fenced by the lease, bytes that come back as they went in, and a task's images
/// going with the task.
@Suite("Result files (PostgreSQL)")
struct ResultFileStoreTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(0...255) + [0, 0, 92, 120, 39]

    static func file(_ taskId: String, step: Int = 0, bytes: [UInt8] = png) -> ResultFile {
        ResultFile(taskId: taskId, step: step, bytes: bytes, downloadedContentType: "image/png")
    }

    /// The rows of `replicate_result_files`, as `task/name type size`.
    static func rows(_ db: TaskDatabase) throws -> [String] {
        try db.sql.query("SELECT task_id, name, content_type, length(bytes) AS n FROM replicate_result_files ORDER BY task_id, name")
            .map { "\($0["task_id"] ?? "")/\($0["name"] ?? "") \($0["content_type"] ?? "") \($0["n"] ?? "")" }
    }

    @Test func aStaleWorkerStoresNothingAndTheLeaseHolderStoresStepAndBytesTogether() async throws {
        try await withTaskDatabase("results-fence") { db throws in
            try db.insert("t1", garments: 2)
            let stale = try db.claim(worker: "old-worker", lease: 1)
            try db.expireLease("t1")
            let otherStore = db.newStore()
            #expect(try otherStore.sweep().rescued == 1)
            let fresh = try db.claim(worker: "new-worker", lease: 60, store: otherStore)

            // The worker whose lease was taken writes neither the step nor a byte.
            let before = try db.snapshot("t1")
            let staleFile = Self.file("t1", bytes: Array("stale bytes".utf8))
            #expect(try db.store.completeStep(stale, step: 0, storing: staleFile, outputURL: "https://cdn.test/t1/step-1.png") == false)
            #expect(try db.snapshot("t1") == before)
            #expect(try Self.rows(db) == [])
            #expect(try db.store.resultFile(taskId: "t1", name: "step-1.png") == nil)

            // The holder's write records the step and stores its file.
            let url = "https://cdn.test/results/t1/step-1.png"
            #expect(try otherStore.completeStep(fresh, step: 0, storing: Self.file("t1"), outputURL: url) == true)
            #expect(try db.value("step", of: "t1") == "1")
            #expect(try db.value("intermediate_url", of: "t1") == url)
            #expect(try db.value("status", of: "t1") == "processing")
            #expect(try Self.rows(db) == ["t1/step-1.png image/png \(Self.png.count)"])

            // The step is recorded: nobody writes its file again, the holder included, and the stale
            // worker's later attempt is refused too.
            let stored = try db.snapshot("t1")
            #expect(try otherStore.completeStep(fresh, step: 0, storing: staleFile, outputURL: url) == false)
            #expect(try db.store.completeStep(stale, step: 1, storing: Self.file("t1", step: 1), outputURL: url) == false)
            #expect(try db.snapshot("t1") == stored)
            #expect(try db.store.resultFile(taskId: "t1", name: "step-1.png")?.bytes == Self.png)
            #expect(try Self.rows(db) == ["t1/step-1.png image/png \(Self.png.count)"])
        }
    }

    @Test func bytesComeBackAsTheyWentIn() async throws {
        try await withTaskDatabase("results-bytes") { db throws in
            // A megabyte of every byte value in no particular order (xorshift).
            var state: UInt32 = 2_463_534_242
            let large = (0..<1_000_000).map { _ -> UInt8 in
                state ^= state << 13
                state ^= state >> 17
                state ^= state << 5
                return UInt8(truncatingIfNeeded: state)
            }
            let cases: [(id: String, bytes: [UInt8], type: String?)] = [
                ("every-byte", Array(0...255) + Array((0...255).reversed()), "image/png"),
                ("jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0x5C, 0x78], nil),
                ("empty", [], "image/webp"),
                ("large", large, "application/octet-stream"),
            ]
            for (id, bytes, type) in cases {
                try db.insert(id)
                let task = try db.claim(worker: "w")
                #expect(task.id == id)
                let file = ResultFile(taskId: id, step: 0, bytes: bytes, downloadedContentType: type)
                #expect(try db.store.completeStep(task, step: 0, storing: file, outputURL: "https://cdn.test/\(id)/\(file.name)"))
                let read = try #require(try db.newStore().resultFile(taskId: id, name: file.name))
                #expect(read == file, "\(id): \(read.bytes.count) bytes read of \(bytes.count)")
            }
            #expect(try db.store.resultFile(taskId: "jpeg", name: "step-1.jpg")?.contentType == "image/jpeg")
            #expect(try db.store.resultFile(taskId: "empty", name: "step-1.webp")?.bytes == [])
            #expect(try db.store.resultFile(taskId: "jpeg", name: "step-1.png") == nil, "another name")
            #expect(try db.store.resultFile(taskId: "nobody", name: "step-1.jpg") == nil, "another task")
            // Kept as it is: no compression spent on images.
            #expect(try db.sql.query("SELECT attstorage FROM pg_attribute WHERE attrelid = 'replicate_result_files'::regclass AND attname = 'bytes'")
                .first?["attstorage"] == "e")
        }
    }

    @Test func aDeletedTasksImagesGoWithIt() async throws {
        try await withTaskDatabase("results-cascade") { db throws in
            for id in ["gone", "kept"] {
                try db.insert(id)
                let task = try db.claim(worker: "w")
                #expect(try db.store.completeStep(task, step: 0, storing: Self.file(id), outputURL: "https://cdn.test/\(id)/step-1.png"))
            }
            try db.exec("DELETE FROM replicate_tasks WHERE id = 'gone'")
            #expect(try Self.rows(db) == ["kept/step-1.png image/png \(Self.png.count)"])
        }
    }
}
