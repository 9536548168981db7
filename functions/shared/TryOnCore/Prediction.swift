import FunctionRuntime

/// A Replicate prediction as the worker needs it.
public struct Prediction: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case starting, processing, succeeded, failed, canceled, aborted
        /// A status this code does not know (Replicate adds some): terminal when `completed_at` is set.
        case unknown(String)

        init(_ text: String) {
            switch text {
            case "starting": self = .starting
            case "processing": self = .processing
            case "succeeded": self = .succeeded
            case "failed": self = .failed
            case "canceled": self = .canceled
            case "aborted": self = .aborted
            default: self = .unknown(text)
            }
        }
    }

    public var id: String
    public var status: Status
    /// `status` as Replicate spells it.
    public var statusText: String {
        switch status {
        case .starting: "starting"
        case .processing: "processing"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .canceled: "canceled"
        case .aborted: "aborted"
        case .unknown(let text): text
        }
    }
    /// The output file's URL (idm-vton returns one URI; a list takes its last entry).
    public var output: String?
    public var error: String?
    public var completedAt: String?

    /// Whether it ended without an output to use (failed, canceled, aborted).
    public var endedWithoutOutput: Bool {
        switch status {
        case .failed, .canceled, .aborted: true
        default: false
        }
    }

    /// Whether polling should stop.
    public var isTerminal: Bool {
        switch status {
        case .succeeded, .failed, .canceled, .aborted: true
        case .starting, .processing: false
        case .unknown: completedAt != nil
        }
    }

    /// Decodes the prediction object; nil when it is not one (no `id` or `status`).
    public static func decode(_ bytes: [UInt8]) -> Prediction? {
        guard let value = try? JSONValue.parse(bytes), let id = value["id"]?.stringValue,
            let status = value["status"]?.stringValue
        else { return nil }
        var output: String?
        switch value["output"] {
        case .string(let url)?: output = url
        case .array(let items)?: output = items.last?.stringValue
        default: output = nil
        }
        let error: String? =
            switch value["error"] {
            case .string(let text)?: text
            case nil, .null?: nil
            case let other?: other.encoded()
            }
        return Prediction(
            id: id, status: Status(status), output: output, error: error, completedAt: value["completed_at"]?.stringValue)
    }
}
