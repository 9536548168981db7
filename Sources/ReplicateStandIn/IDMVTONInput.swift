import FunctionRuntime

/// The validated input of one `cuuupid/idm-vton` prediction.
///
/// Mirrors the model's schema (replicate-api.md §10) as far as the worker depends on it:
/// `human_img` and `garm_img` are required http(s) or `data:` URIs, `garment_des` a required
/// string that may be empty (the original app sent `""`, and the official Python client passes
/// whatever the app gives it), `category` one of
/// `upper_body` (default), `lower_body`, `dresses`, and `steps` 20–40 when given. `crop`,
/// `force_dc`, `mask_only` must be booleans and `seed` an integer when present. Unknown fields
/// are accepted and echoed, as Replicate does.
struct IDMVTONInput: Sendable, Equatable {
    /// The three garment categories the model knows.
    static let categories = ["upper_body", "lower_body", "dresses"]

    var humanImage: String
    var garmentImage: String
    var garmentDescription: String
    /// `upper_body` when the input omitted it.
    var category: String

    /// A rejected input: the field at fault and a sentence for the 422 `detail`.
    struct Invalid: Error, Equatable, Sendable {
        var field: String
        var detail: String
    }

    /// Validates the `input` object of a create body.
    static func validate(_ input: JSONValue?) -> Result<IDMVTONInput, Invalid> {
        guard let input, input.objectValue != nil else {
            return .failure(Invalid(field: "input", detail: "input: field is required and must be an object"))
        }
        let human: String
        switch uri(input, "human_img") {
        case let .success(value): human = value
        case let .failure(invalid): return .failure(invalid)
        }
        let garment: String
        switch uri(input, "garm_img") {
        case let .success(value): garment = value
        case let .failure(invalid): return .failure(invalid)
        }
        guard let rawDescription = input["garment_des"] else {
            return .failure(Invalid(field: "garment_des", detail: "garment_des: field is required (an empty string is fine)"))
        }
        guard let description = rawDescription.stringValue else {
            return .failure(Invalid(field: "garment_des", detail: "garment_des: must be a string"))
        }
        var category = "upper_body"
        if let raw = input["category"] {
            guard let value = raw.stringValue, categories.contains(value) else {
                return .failure(Invalid(field: "category",
                                        detail: "category: must be one of \(categories.joined(separator: ", "))"))
            }
            category = value
        }
        if let raw = input["steps"] {
            guard let steps = raw.intValue, (20...40).contains(steps) else {
                return .failure(Invalid(field: "steps", detail: "steps: must be an integer from 20 to 40"))
            }
        }
        if let raw = input["seed"], raw.intValue == nil {
            return .failure(Invalid(field: "seed", detail: "seed: must be an integer"))
        }
        for flag in ["crop", "force_dc", "mask_only"] {
            if let raw = input[flag], raw.boolValue == nil {
                return .failure(Invalid(field: flag, detail: "\(flag): must be a boolean"))
            }
        }
        if let raw = input["mask_img"] {
            guard let value = raw.stringValue, isAcceptedURI(value) else {
                return .failure(Invalid(field: "mask_img", detail: "mask_img: must be an http(s) or data: URI"))
            }
        }
        return .success(IDMVTONInput(humanImage: human, garmentImage: garment, garmentDescription: description,
                                     category: category))
    }

    private static func uri(_ input: JSONValue, _ field: String) -> Result<String, Invalid> {
        guard let raw = input[field] else {
            return .failure(Invalid(field: field, detail: "\(field): field is required"))
        }
        guard let value = raw.stringValue, isAcceptedURI(value) else {
            return .failure(Invalid(field: field, detail: "\(field): must be an http(s) or data: URI"))
        }
        return .success(value)
    }

    /// `http://host…`, `https://host…` (a non-empty host) or `data:…,…`.
    static func isAcceptedURI(_ value: String) -> Bool {
        let lower = value.lowercased()
        if lower.hasPrefix("data:") { return value.contains(",") }
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            let rest = value.dropFirst(scheme.count)
            guard let first = rest.first else { return false }
            return first != "/" && first != "?" && first != "#" && !value.contains(" ")
        }
        return false
    }
}
