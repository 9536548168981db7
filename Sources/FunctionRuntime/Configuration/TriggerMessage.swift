/// One message of a trigger invocation, in the shape a Yandex Cloud Functions timer trigger
/// delivers: the event is `{"messages": [{"event_metadata": {...}, "details": {"trigger_id", "payload"}}]}`.
public struct TriggerMessage: Codable, Sendable, Equatable {
    public var eventMetadata: Metadata
    public var details: Details

    public struct Metadata: Codable, Sendable, Equatable {
        /// A new id per firing.
        public var eventId: String
        /// `yandex.cloud.events.serverless.triggers.TimerMessage` for timers.
        public var eventType: String
        /// When the trigger fired: ISO 8601 in UTC with microseconds.
        public var createdAt: String
        /// The cloud and folder ids (`local` here).
        public var cloudId: String
        public var folderId: String

        enum CodingKeys: String, CodingKey {
            case eventId = "event_id", eventType = "event_type", createdAt = "created_at"
            case cloudId = "cloud_id", folderId = "folder_id"
        }
    }

    public struct Details: Codable, Sendable, Equatable {
        /// The trigger's name (on the platform, its id).
        public var triggerId: String
        /// The trigger's payload text.
        public var payload: String

        enum CodingKeys: String, CodingKey {
            case triggerId = "trigger_id", payload
        }
    }

    enum CodingKeys: String, CodingKey {
        case eventMetadata = "event_metadata", details
    }

    public static let timerEventType = "yandex.cloud.events.serverless.triggers.TimerMessage"

    public init(eventMetadata: Metadata, details: Details) {
        self.eventMetadata = eventMetadata
        self.details = details
    }
}

extension Event {
    /// The event of a timer trigger firing at `epochMilliseconds`.
    public static func timer(triggerId: String, payload: String, epochMilliseconds: Int64, eventId: String = TraceID.make()) -> Event {
        var event = Event(
            httpMethod: "", requestContext: RequestContext(
                identity: .init(sourceIp: "", userAgent: ""), httpMethod: "", requestId: eventId,
                requestTime: RequestTime.commonLogFormat(epochSeconds: Int(epochMilliseconds / 1000)),
                requestTimeEpoch: Int(epochMilliseconds / 1000)))
        let created = RequestTime.iso8601(epochMilliseconds: epochMilliseconds).replacingOccurrencesOfZ()
        event.messages = [
            TriggerMessage(
                eventMetadata: .init(eventId: eventId, eventType: TriggerMessage.timerEventType, createdAt: created, cloudId: "local", folderId: "local"),
                details: .init(triggerId: triggerId, payload: payload))
        ]
        return event
    }

    /// True for a trigger invocation (a timer), false for an HTTP request.
    public var isTrigger: Bool { messages != nil }
}

extension String {
    /// `...123Z` -> `...123000Z`: the platform writes microseconds.
    fileprivate func replacingOccurrencesOfZ() -> String {
        hasSuffix("Z") ? String(dropLast()) + "000Z" : self
    }
}
