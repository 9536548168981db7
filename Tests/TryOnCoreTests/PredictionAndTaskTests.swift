import Testing
@testable import TryOnCore

@Suite("Prediction.decode")
struct PredictionDecodeTests {
    static func decode(_ text: String) -> Prediction? { Prediction.decode(Array(text.utf8)) }

    @Test(arguments: [
        ("starting", Prediction.Status.starting, false),
        ("processing", .processing, false),
        ("succeeded", .succeeded, true),
        ("failed", .failed, true),
        ("canceled", .canceled, true),
        ("aborted", .aborted, true),
    ])
    func knownStatuses(text: String, status: Prediction.Status, terminal: Bool) throws {
        let prediction = try #require(Self.decode(#"{"id": "p1", "status": "\#(text)"}"#))
        #expect(prediction.id == "p1")
        #expect(prediction.status == status)
        #expect(prediction.isTerminal == terminal)
        #expect(prediction.output == nil)
        #expect(prediction.error == nil)
        #expect(prediction.completedAt == nil)
    }

    @Test(arguments: ["exploded", "Succeeded", "queued", ""])
    func unknownStatusIsTerminalOnlyWithCompletedAt(text: String) throws {
        let open = try #require(Self.decode(#"{"id": "p2", "status": "\#(text)", "completed_at": null}"#))
        #expect(open.status == .unknown(text))
        #expect(open.completedAt == nil)
        #expect(!open.isTerminal)

        let done = try #require(
            Self.decode(#"{"id": "p2", "status": "\#(text)", "completed_at": "2025-01-01T12:00:05.123Z"}"#))
        #expect(done.status == .unknown(text))
        #expect(done.completedAt == "2025-01-01T12:00:05.123Z")
        #expect(done.isTerminal)
    }

    @Test func knownNonTerminalStatusStaysOpenEvenWithCompletedAt() throws {
        let prediction = try #require(
            Self.decode(#"{"id": "p", "status": "processing", "completed_at": "2025-01-01T12:00:05Z"}"#))
        #expect(!prediction.isTerminal)
    }

    @Test func fullSucceededPrediction() throws {
        let text = """
            {"id": "ufawqhfynnddngldkgtslldrkq", "model": "cuuupid/idm-vton", "version": "c871bb9b",
             "input": {"human_img": "https://img.test/p.jpg"}, "logs": "", "output": "https://replicate.delivery/out.png",
             "error": null, "status": "succeeded", "created_at": "2025-01-01T12:00:00.000Z",
             "started_at": "2025-01-01T12:00:01.000Z", "completed_at": "2025-01-01T12:00:15.000Z",
             "metrics": {"predict_time": 14.2}, "urls": {"get": "https://api.replicate.com/v1/predictions/x"}}
            """
        let prediction = try #require(Self.decode(text))
        #expect(
            prediction
                == Prediction(
                    id: "ufawqhfynnddngldkgtslldrkq", status: .succeeded, output: "https://replicate.delivery/out.png",
                    error: nil, completedAt: "2025-01-01T12:00:15.000Z"))
    }

    @Test(arguments: [
        (#""https://r.test/a.png""#, "https://r.test/a.png" as String?),
        (#"["https://r.test/a.png", "https://r.test/b.png"]"#, "https://r.test/b.png"),
        (#"["https://r.test/only.png"]"#, "https://r.test/only.png"),
        ("[]", nil),
        ("null", nil),
        ("42", nil),
        (#"{"image": "https://r.test/a.png"}"#, nil),
        (#"["https://r.test/a.png", 7]"#, nil),
    ])
    func outputShapes(literal: String, expected: String?) throws {
        let prediction = try #require(Self.decode(#"{"id": "p", "status": "succeeded", "output": \#(literal)}"#))
        #expect(prediction.output == expected)
    }

    @Test(arguments: [
        (#""CUDA out of memory""#, "CUDA out of memory" as String?),
        ("null", nil),
        (#"{"detail": "bad input", "code": 3}"#, #"{"code":3,"detail":"bad input"}"#),
        ("42", "42"),
        (#"["a", "b"]"#, #"["a","b"]"#),
        ("true", "true"),
    ])
    func errorShapes(literal: String, expected: String?) throws {
        let prediction = try #require(Self.decode(#"{"id": "p", "status": "failed", "error": \#(literal)}"#))
        #expect(prediction.error == expected)
    }

    @Test(arguments: [
        "", "not json", "[]", "null", "\"succeeded\"", #"{"status": "succeeded"}"#, #"{"id": "p"}"#,
        #"{"id": 5, "status": "succeeded"}"#, #"{"id": "p", "status": 1}"#, #"{"id": "p", "status": null}"#,
        #"{"id": "p", "status": "succeeded""#, #"{"detail": "Unauthenticated", "status": 401}"#,
    ])
    func garbageIsNil(text: String) {
        #expect(Self.decode(text) == nil)
    }

    @Test func binaryGarbageIsNil() {
        #expect(Prediction.decode([0xFF, 0xFE, 0x00, 0x7B]) == nil)
        #expect(Prediction.decode([]) == nil)
    }
}

@Suite("ClaimedTask")
struct ClaimedTaskTests {
    @Test func parseGarmentsObjectsBareStringsURLKeyAndJunk() {
        let text = """
            [{"image": "https://img.test/a.jpg", "category": "dresses"},
             "https://img.test/b.jpg",
             {"url": "https://img.test/c.jpg", "category": "lower_body"},
             42, null, true, ["https://img.test/nested.jpg"],
             {"category": "dresses"},
             {"image": 5, "category": "dresses"},
             {"image": "https://img.test/d.jpg", "category": "hats"},
             {"image": "https://img.test/e.jpg"},
             {"image": "https://img.test/f.jpg", "url": "https://img.test/ignored.jpg", "category": "upper_body"}]
            """
        #expect(
            ClaimedTask.parseGarments(text) == [
                Garment(image: "https://img.test/a.jpg", category: .dresses),
                Garment(image: "https://img.test/b.jpg", category: .upperBody),
                Garment(image: "https://img.test/c.jpg", category: .lowerBody),
                Garment(image: "https://img.test/d.jpg", category: .upperBody),
                Garment(image: "https://img.test/e.jpg", category: .upperBody),
                Garment(image: "https://img.test/f.jpg", category: .upperBody),
            ])
    }

    @Test func parseGarmentsOfTheOriginalApplication() {
        #expect(
            ClaimedTask.parseGarments(#"["https://img.test/1.jpg","https://img.test/2.jpg"]"#) == [
                Garment(image: "https://img.test/1.jpg", category: .upperBody),
                Garment(image: "https://img.test/2.jpg", category: .upperBody),
            ])
    }

    @Test(arguments: ["", "not json", "[broken", "{\"image\": \"https://img.test/a.jpg\"}", "\"https://img.test/a.jpg\"",
                      "null", "42", "[]", "[1, 2, null]"])
    func parseGarmentsOfNonListsOrJunkIsEmpty(text: String) {
        #expect(ClaimedTask.parseGarments(text) == [])
    }

    static func task(step: Int, intermediate: String?) -> ClaimedTask {
        ClaimedTask(
            id: "t1", leaseToken: "00000000-0000-0000-0000-000000000001", personImage: "https://img.test/person.jpg",
            garments: [Samples.garment(0), Samples.garment(1), Samples.garment(2)], promptHints: nil, step: step,
            totalSteps: 3, currentPredictionId: nil, intermediateURL: intermediate, attempt: 1, maxAttempts: 5,
            predictionRetries: 0, deadlineEpochSeconds: 0)
    }

    @Test func humanImageIsThePersonFirstThenThePreviousOutput() {
        let fresh = Self.task(step: 0, intermediate: nil)
        #expect(fresh.humanImage(forStep: 0) == "https://img.test/person.jpg")

        let resumed = Self.task(step: 2, intermediate: "https://store.test/results/t1/step-2.png")
        #expect(resumed.humanImage(forStep: 0) == "https://img.test/person.jpg")
        #expect(resumed.humanImage(forStep: 1) == "https://store.test/results/t1/step-2.png")
        #expect(resumed.humanImage(forStep: 2) == "https://store.test/results/t1/step-2.png")

        // A later step without a stored output falls back to the person photo.
        #expect(fresh.humanImage(forStep: 1) == "https://img.test/person.jpg")
    }
}

@Suite("TaskStatusView.currentStep")
struct TaskStatusViewTests {
    @Test(arguments: [
        (TaskStatus.pending, 0, 3, 0),
        (.pending, 2, 3, 2),
        (.processing, 0, 3, 1),
        (.processing, 1, 3, 2),
        (.processing, 2, 3, 3),
        (.processing, 3, 3, 3),
        (.processing, 0, 1, 1),
        (.completed, 0, 3, 3),
        (.completed, 3, 3, 3),
        (.completed, 1, 1, 1),
        (.failed, 0, 3, 0),
        (.failed, 2, 3, 2),
    ])
    func currentStep(status: TaskStatus, step: Int, total: Int, expected: Int) {
        let view = TaskStatusView(
            taskId: "t", userId: "u", status: status, resultURL: nil, errorMessage: nil, step: step, totalSteps: total,
            createdAt: "2025-01-01T12:00:00.000000", updatedAt: nil)
        #expect(view.currentStep == expected)
    }
}
