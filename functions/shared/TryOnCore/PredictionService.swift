import FunctionRuntime

/// What `TaskProcessor` asks of Replicate: create a prediction, read one, download its output.
/// Every failure comes back as a `ReplicateFailure` the retry policy classifies. `ReplicateClient`
/// is the real one, over HTTP.
public protocol PredictionService {
    /// Creates a prediction of model `version` (see `ReplicateClient.create`).
    func create(
        version: String, input: JSONValue, cancelAfter: String?, webhook: String?, budgetMilliseconds: Int
    ) throws(ReplicateFailure) -> Prediction
    /// The prediction `id` as it stands now.
    func get(_ id: String, budgetMilliseconds: Int) throws(ReplicateFailure) -> Prediction
    /// An output file, at most `maxBytes`: its bytes and content type.
    func download(_ url: String, budgetMilliseconds: Int, maxBytes: Int) throws(ReplicateFailure) -> (bytes: [UInt8], contentType: String?)
}

extension ReplicateClient: PredictionService {}
