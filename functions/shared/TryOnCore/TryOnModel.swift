import FunctionRuntime

/// The try-on functions' public URLs (`functions/func2url.json`), for the calls between them;
/// `FunctionURL.local(for:environment:)` maps them to this host.
public enum TryOnFunctionURL {
    public static let worker = "https://functions.poehali.dev/1fb0123a-5d1e-4bf3-8052-44ac16407a2e"
    /// `replicate-webhook`: where Replicate reports a completed prediction.
    public static let webhook = "https://functions.poehali.dev/7d3f6a52-9c1e-4b8a-a0d4-5e2b8c61f947"
}

/// Status values of `replicate_tasks.status`: the four the original page knows, plus `waiting`
/// (a prediction runs at Replicate and no process holds the task), which the page is shown as
/// `processing` (``pageStatus``).
public enum TaskStatus: String, Sendable, CaseIterable {
    case pending, processing, waiting, completed, failed

    /// The status the page knows: `waiting` is work in progress, as `processing` is.
    public var pageStatus: TaskStatus { self == .waiting ? .processing : self }
}

/// Garment categories of the `cuuupid/idm-vton` model.
public enum GarmentCategory: String, Sendable, CaseIterable {
    case upperBody = "upper_body"
    case lowerBody = "lower_body"
    case dresses
}

/// One garment of a try-on: its image (an http(s) URL or a `data:image/...;base64,` URI) and category.
public struct Garment: Sendable, Equatable {
    public var image: String
    public var category: GarmentCategory

    public init(image: String, category: GarmentCategory) {
        self.image = image
        self.category = category
    }
}

/// A validated start request.
public struct TryOnRequest: Sendable, Equatable {
    public var personImage: String
    public var garments: [Garment]
    public var promptHints: String?

    public init(personImage: String, garments: [Garment], promptHints: String?) {
        self.personImage = personImage
        self.garments = garments
        self.promptHints = promptHints
    }

    /// `garments` as stored in the `garments` TEXT column: a JSON list of `{"image", "category"}`.
    public var garmentsJSON: String {
        "[" + garments.map { garment in
            var object = JSONText()
            object.add("image", garment.image)
            object.add("category", garment.category.rawValue)
            return object.finish()
        }.joined(separator: ",") + "]"
    }

    /// A canonical text of the request, hashed for `Idempotency-Key` comparisons.
    public var canonicalText: String {
        var object = JSONText()
        object.add("person_image", personImage)
        object.add("garments", raw: garmentsJSON)
        object.add("prompt_hints", promptHints ?? "")
        return object.finish()
    }
}
