import FunctionRuntime

/// Checks a start request body and names exactly what is wrong. Pure: the same input always gives
/// the same answer, and no input traps.
///
/// Body: `{"person_image": URL, "garments": [{"image": URL, "category": ...} | URL, ...], "prompt_hints": "..."}`.
/// Images are `http(s)` URLs or `data:image/<type>;base64,<data>` URIs; a bare garment string is an
/// `upper_body` garment. Refused besides: bodies that are not strict JSON (RFC 8259's grammar, with
/// the byte offset of a syntax error named; nesting and size bounded; no repeated key, compared
/// after unescaping, since parsers disagree on which of its values wins and a proxy or the page
/// could read such a body differently from us), and URLs whose host is local or on a private
/// network (`PrivateNetworkHost`).
public struct TryOnRequestValidator: Sendable {
    /// Most garments per task (a chain of one prediction each). Default 5.
    public var maxGarments = 5
    /// Longest `prompt_hints`, in characters. Default 500.
    public var maxPromptHintsLength = 500
    /// Longest http(s) image URL, in bytes. Default 2048.
    public var maxURLLength = 2048
    /// Largest data URI, in bytes (the event limit is 3.5 MB for everything). Default 3 MB.
    public var maxDataURIBytes = 3_000_000
    /// Deepest nesting of arrays and objects in the body. Default 32 (a start body needs 3).
    public var maxDepth = 32
    /// Most values (scalars, arrays and objects) in the body. Default 10,000 (a start body needs about 20).
    public var maxValues = 10_000

    public init() {}

    public func validate(body: String) throws(TryOnError) -> TryOnRequest {
        guard !body.isEmpty else { throw invalid("The request body is empty; send a JSON object") }
        let value: JSONValue
        do {
            value = try JSONValue.parse(body, options: .strict(maxDepth: maxDepth, maxValues: maxValues))
        } catch {
            throw invalid(Self.problem(error))
        }
        guard case .object(let members) = value else { throw invalid("The request body must be a JSON object") }

        guard let personValue = members["person_image"], personValue != .null else {
            throw invalid("person_image is required")
        }
        guard case .string(let personImage) = personValue else { throw invalid("person_image must be a string URL") }
        try checkImage(personImage, field: "person_image")

        guard let garmentsValue = members["garments"], garmentsValue != .null else {
            throw invalid("garments is required")
        }
        guard case .array(let garmentValues) = garmentsValue else { throw invalid("garments must be a list") }
        guard !garmentValues.isEmpty else { throw invalid("garments must not be empty") }
        guard garmentValues.count <= maxGarments else {
            throw invalid("garments has \(garmentValues.count) items; at most \(maxGarments) are allowed")
        }
        var garments: [Garment] = []
        for (index, garmentValue) in garmentValues.enumerated() {
            garments.append(try garment(garmentValue, field: "garments[\(index)]"))
        }

        var promptHints: String?
        switch members["prompt_hints"] {
        case nil, .null?: promptHints = nil
        case .string(let hints)?:
            guard hints.count <= maxPromptHintsLength else {
                throw invalid("prompt_hints is \(hints.count) characters long; at most \(maxPromptHintsLength) are allowed")
            }
            guard !hints.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) }) else {
                throw invalid("prompt_hints contains control characters")
            }
            promptHints = hints.isEmpty ? nil : hints
        default: throw invalid("prompt_hints must be a string")
        }
        return TryOnRequest(personImage: personImage, garments: garments, promptHints: promptHints)
    }

    private func garment(_ value: JSONValue, field: String) throws(TryOnError) -> Garment {
        switch value {
        case .string(let image):
            try checkImage(image, field: field)
            return Garment(image: image, category: .upperBody)
        case .object(let members):
            guard let imageValue = members["image"], imageValue != .null else { throw invalid("\(field).image is required") }
            guard case .string(let image) = imageValue else { throw invalid("\(field).image must be a string URL") }
            try checkImage(image, field: "\(field).image")
            var category = GarmentCategory.upperBody
            switch members["category"] {
            case nil, .null?: break
            case .string(let name)?:
                guard let known = GarmentCategory(rawValue: name) else {
                    throw invalid("\(field).category \"\(Self.clip(name))\" is unknown; use upper_body, lower_body or dresses")
                }
                category = known
            default: throw invalid("\(field).category must be a string")
            }
            return Garment(image: image, category: category)
        default:
            throw invalid("\(field) must be an image URL or an object with image and category")
        }
    }

    /// An image reference: `http(s)://host/...` or `data:image/<type>;base64,<data>`.
    func checkImage(_ text: String, field: String) throws(TryOnError) {
        let lower = text.prefix(16).lowercased()
        if lower.hasPrefix("data:") {
            guard text.utf8.count <= maxDataURIBytes else {
                throw invalid("\(field) is a data URI of \(text.utf8.count) bytes; at most \(maxDataURIBytes) are allowed")
            }
            guard let comma = text.utf8.firstIndex(of: UInt8(ascii: ",")) else {
                throw invalid("\(field) is not an image URL: a data URI needs a comma before its data")
            }
            let header = String(decoding: text.utf8[..<comma], as: UTF8.self).lowercased()
            guard header.hasPrefix("data:image/"), header.hasSuffix(";base64") else {
                throw invalid("\(field) is not an image URL: only data:image/...;base64, URIs are accepted")
            }
            let payload = text.utf8[text.utf8.index(after: comma)...]
            guard !payload.isEmpty, payload.allSatisfy(Self.isBase64Byte) else {
                throw invalid("\(field) is not an image URL: its base64 data is empty or invalid")
            }
            return
        }
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw invalid("\(field) is not an image URL: use an http(s) URL or a data:image/...;base64, URI")
        }
        guard text.utf8.count <= maxURLLength else {
            throw invalid("\(field) is longer than \(maxURLLength) bytes")
        }
        let afterScheme = text.utf8.drop { $0 != UInt8(ascii: ":") }.dropFirst(3)
        let host = afterScheme.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        guard !host.isEmpty, host.first != UInt8(ascii: "@"),
            text.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "\\") })
        else {
            throw invalid("\(field) is not a valid URL")
        }
        guard !PrivateNetworkHost.isPrivate(authority: String(decoding: host, as: UTF8.self)) else {
            throw invalid("\(field) points to a local or private network address, which the model cannot fetch")
        }
    }

    /// The message for a body the strict parse refused.
    static func problem(_ error: JSONParseError) -> String {
        switch error.kind {
        case .tooDeep(let limit): "The request body nests more than \(limit) levels deep"
        case .tooManyValues(let limit): "The request body has more than \(limit) values"
        case .repeatedKey(let key): "The request body repeats the key \"\(clip(key))\"; each key may appear once"
        default: "The request body is not valid JSON: \(error.kind.summary) at byte \(error.offset)"
        }
    }

    private static func isBase64Byte(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
    }

    private func invalid(_ message: String) -> TryOnError {
        TryOnError(.invalidRequest, message)
    }

    static func clip(_ text: String) -> String {
        text.count > 40 ? String(text.prefix(40)) + "..." : text
    }
}
