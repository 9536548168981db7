import FunctionRuntime
@testable import TryOnCore

/// Replicate in memory for `TaskProcessor`'s unit tests: each call takes the next scripted answer
/// of its kind (a prediction, a file, or a failure) and is recorded. The real client is tested
/// against the stand-in.
final class FakePredictionService: PredictionService {
    struct Create: Equatable {
        var humanImage: String
        var garmentImage: String
        var webhook: String?
    }

    /// Answers of `create`, `get` and `download`, taken first to last.
    var creates: [Result<Prediction, ReplicateFailure>] = []
    var gets: [Result<Prediction, ReplicateFailure>] = []
    var downloads: [Result<[UInt8], ReplicateFailure>] = []
    /// Run before each `get` answers (a test moves its clock there: time a read took).
    var duringGet: () -> Void = {}

    private(set) var created: [Create] = []
    private(set) var read: [String] = []
    private(set) var downloaded: [String] = []

    func create(
        version: String, input: JSONValue, cancelAfter: String?, webhook: String?, budgetMilliseconds: Int
    ) throws(ReplicateFailure) -> Prediction {
        created.append(
            Create(humanImage: input["human_img"]?.stringValue ?? "", garmentImage: input["garm_img"]?.stringValue ?? "", webhook: webhook))
        return try next(&creates, "create").get()
    }

    func get(_ id: String, budgetMilliseconds: Int) throws(ReplicateFailure) -> Prediction {
        read.append(id)
        duringGet()
        return try next(&gets, "get").get()
    }

    func download(_ url: String, budgetMilliseconds: Int, maxBytes: Int) throws(ReplicateFailure) -> (bytes: [UInt8], contentType: String?) {
        downloaded.append(url)
        return (try next(&downloads, "download").get(), "image/png")
    }

    private func next<T>(_ answers: inout [Result<T, ReplicateFailure>], _ call: String) -> Result<T, ReplicateFailure> {
        answers.isEmpty ? .failure(ReplicateFailure(.other, "no scripted answer for \(call)")) : answers.removeFirst()
    }
}

extension Prediction {
    static func running(_ id: String) -> Prediction {
        Prediction(id: id, status: .processing, output: nil, error: nil, completedAt: nil)
    }

    static func succeeded(_ id: String) -> Prediction {
        Prediction(id: id, status: .succeeded, output: "https://replicate.test/\(id).png", error: nil, completedAt: "2025-01-01T12:00:00Z")
    }

    static func failed(_ id: String) -> Prediction {
        Prediction(id: id, status: .failed, output: nil, error: "CUDA out of memory", completedAt: "2025-01-01T12:00:00Z")
    }
}
