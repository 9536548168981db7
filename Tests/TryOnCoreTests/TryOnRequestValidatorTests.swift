import FunctionRuntime
import Testing
@testable import TryOnCore

@Suite("TryOnRequestValidator")
struct TryOnRequestValidatorTests {
    let validator = TryOnRequestValidator()
    static let person = "https://img.test/person.jpg"
    static let garment = "https://img.test/shirt.jpg"

    /// The validation error's message; records an issue when the body is accepted or the error is not a 400.
    func rejection(_ body: String, validator: TryOnRequestValidator = TryOnRequestValidator(),
                   sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            let request = try validator.validate(body: body)
            Issue.record("accepted: \(request)", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.code == .invalidRequest, sourceLocation: sourceLocation)
            #expect(error.status == 400, sourceLocation: sourceLocation)
            return error.message
        }
    }

    /// A body with `person_image` = `image` (a JSON literal) and one valid garment.
    static func withPerson(_ literal: String) -> String {
        #"{"person_image": \#(literal), "garments": ["\#(garment)"]}"#
    }

    /// A body with a valid person and `garments` = `literal`.
    static func withGarments(_ literal: String) -> String {
        #"{"person_image": "\#(person)", "garments": \#(literal)}"#
    }

    /// A body with valid images and `prompt_hints` = `literal`.
    static func withHints(_ literal: String) -> String {
        #"{"person_image": "\#(person)", "garments": ["\#(garment)"], "prompt_hints": \#(literal)}"#
    }

    static func jsonString(_ text: String) -> String { JSONText.quoted(text) }

    // MARK: - The body

    @Test(arguments: [
        ("", "The request body is empty; send a JSON object"),
        ("not json", "The request body is not valid JSON: an unexpected character at byte 0"),
        ("{\"person_image\": ", "The request body is not valid JSON: it ends early at byte 17"),
        ("{\"a\":1,}", "The request body is not valid JSON: a key that is not a string at byte 7"),
        ("{\"a\":[1,2,]}", "The request body is not valid JSON: an unexpected character at byte 10"),
        ("{\"a\":01}", "The request body is not valid JSON: a malformed number at byte 5"),
        ("{\"a\":\"x\ty\"}", "The request body is not valid JSON: a broken string at byte 5"),
        ("{\"a\":1}{}", "The request body is not valid JSON: more data after the document at byte 7"),
        ("{\u{0}\"a\":1}", "The request body is not valid JSON: a key that is not a string at byte 1"),
        ("{\"a\" 1}", "The request body is not valid JSON: a missing colon at byte 5"),
        ("{\"a\":tru}", "The request body is not valid JSON: an unexpected character at byte 5"),
        ("{\"a\":1e400}", "The request body is not valid JSON: a number out of range at byte 5"),
        ("{\"a\":\"\\ud800\"}", "The request body is not valid JSON: a broken string at byte 5"),
        ("\u{FEFF}{}", "The request body is not valid JSON: an unexpected character at byte 0"),
        (String(repeating: "[", count: 33) + String(repeating: "]", count: 33), "The request body nests more than 32 levels deep"),
        ("[" + Array(repeating: "1", count: 10_001).joined(separator: ",") + "]", "The request body has more than 10000 values"),
        ("[1, 2]", "The request body must be a JSON object"),
        ("\"text\"", "The request body must be a JSON object"),
        ("42", "The request body must be a JSON object"),
        ("null", "The request body must be a JSON object"),
    ])
    func bodyShape(body: String, message: String) {
        #expect(rejection(body) == message)
    }

    @Test func theNestingAndSizeLimitsAreTheValidatorsKnobs() {
        var tight = TryOnRequestValidator()
        tight.maxDepth = 2
        tight.maxValues = 5
        #expect(rejection(#"{"a":[[1]]}"#, validator: tight) == "The request body nests more than 2 levels deep")
        #expect(rejection(#"{"a":[1,2,3,4,5]}"#, validator: tight) == "The request body has more than 5 values")
        #expect(rejection(#"{"a":[1,2,3]}"#, validator: tight) == "person_image is required")
    }

    // MARK: - person_image

    @Test(arguments: [
        ("{\"garments\": [\"\(garment)\"]}", "person_image is required"),
        (withPerson("null"), "person_image is required"),
        (withPerson("42"), "person_image must be a string URL"),
        (withPerson("{\"url\": \"\(person)\"}"), "person_image must be a string URL"),
        (withPerson("[\"\(person)\"]"), "person_image must be a string URL"),
    ])
    func personImagePresenceAndType(body: String, message: String) {
        #expect(rejection(body) == message)
    }

    static let notAnImageURL = "person_image is not an image URL: use an http(s) URL or a data:image/...;base64, URI"
    static let onlyImageDataURIs = "person_image is not an image URL: only data:image/...;base64, URIs are accepted"
    static let badBase64 = "person_image is not an image URL: its base64 data is empty or invalid"
    static let invalidURL = "person_image is not a valid URL"

    @Test(arguments: [
        ("javascript:alert(1)", notAnImageURL),
        ("JavaScript:alert(document.cookie)", notAnImageURL),
        ("ftp://img.test/person.jpg", notAnImageURL),
        ("file:///etc/passwd", notAnImageURL),
        ("//img.test/person.jpg", notAnImageURL),
        ("img.test/person.jpg", notAnImageURL),
        ("", notAnImageURL),
        ("data:text/plain;base64,QUJD", onlyImageDataURIs),
        ("data:text/html;base64,PHNjcmlwdD4=", onlyImageDataURIs),
        ("data:image/png,rawbytes", onlyImageDataURIs),
        ("data:image/svg+xml;utf8,<svg/>", onlyImageDataURIs),
        ("data:image/png;base64", "person_image is not an image URL: a data URI needs a comma before its data"),
        ("data:image/png;base64,", badBase64),
        ("data:image/png;base64,!!!!", badBase64),
        ("data:image/png;base64,iVBOR w0KGgo=", badBase64),
        ("data:image/png;base64,iVBORw0KGgo=\"", badBase64),
        ("https://img.test/my photo.jpg", invalidURL),
        ("https://img.test/a\".jpg", invalidURL),
        ("https://img.test/<script>.jpg", invalidURL),
        ("https://img.test/a\\b.jpg", invalidURL),
        ("https://img.test/a\u{7F}.jpg", invalidURL),
        ("https://img.test/a\tb.jpg", invalidURL),
        ("https://", invalidURL),
        ("https:///person.jpg", invalidURL),
        ("https://@evil.test/x.jpg", invalidURL),
        ("https://?q=1", invalidURL),
    ])
    func personImageRejected(image: String, message: String) {
        #expect(rejection(Self.withPerson(Self.jsonString(image))) == message)
    }

    @Test(arguments: [
        "https://img.test/person.jpg",
        "http://img.test/person.jpg",
        "HTTPS://IMG.TEST/PERSON.JPG",
        "https://img.test:8443/a/b.jpg?size=large&v=2#top",
        "https://cdn.poehali.dev/files/фото.jpg",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "data:image/jpeg;base64,/9j/4AAQSkZJRg==",
        "DATA:IMAGE/WEBP;BASE64,UklGRg==",
    ])
    func personImageAccepted(image: String) throws {
        let request = try validator.validate(body: Self.withPerson(Self.jsonString(image)))
        #expect(request.personImage == image)
    }

    @Test func urlLengthLimitIsInBytes() throws {
        let prefix = "https://img.test/"
        let exact = prefix + String(repeating: "a", count: 2048 - prefix.utf8.count)
        #expect(exact.utf8.count == 2048)
        #expect(try validator.validate(body: Self.withPerson(Self.jsonString(exact))).personImage == exact)
        #expect(rejection(Self.withPerson(Self.jsonString(exact + "a"))) == "person_image is longer than 2048 bytes")
        // Multi-byte characters count as bytes: 1016 two-byte letters overflow the 2048 limit.
        let cyrillic = prefix + String(repeating: "я", count: 1016)
        #expect(rejection(Self.withPerson(Self.jsonString(cyrillic))) == "person_image is longer than 2048 bytes")
    }

    @Test func dataURISizeLimit() throws {
        var small = TryOnRequestValidator()
        small.maxDataURIBytes = 40
        let fits = "data:image/png;base64," + String(repeating: "A", count: 18)
        #expect(fits.utf8.count == 40)
        #expect(try small.validate(body: Self.withPerson(Self.jsonString(fits))).personImage == fits)
        let tooBig = fits + "AA"
        #expect(
            rejection(Self.withPerson(Self.jsonString(tooBig)), validator: small)
                == "person_image is a data URI of 42 bytes; at most 40 are allowed")
        // A long http URL is not a data URI: the URL limit applies, not the data URI limit.
        #expect(validator.maxDataURIBytes == 3_000_000)
    }

    // MARK: - garments

    @Test(arguments: [
        (#"{"person_image": "https://img.test/p.jpg"}"#, "garments is required"),
        (withGarments("null"), "garments is required"),
        (withGarments("\"https://img.test/shirt.jpg\""), "garments must be a list"),
        (withGarments("{\"image\": \"https://img.test/shirt.jpg\"}"), "garments must be a list"),
        (withGarments("3"), "garments must be a list"),
        (withGarments("[]"), "garments must not be empty"),
        (withGarments("[\(Array(repeating: "\"\(garment)\"", count: 6).joined(separator: ","))]"),
         "garments has 6 items; at most 5 are allowed"),
        (withGarments("[{\"category\": \"dresses\"}]"), "garments[0].image is required"),
        (withGarments("[{\"image\": null}]"), "garments[0].image is required"),
        (withGarments("[{\"image\": 7}]"), "garments[0].image must be a string URL"),
        (withGarments("[{\"image\": \"ftp://img.test/x.jpg\"}]"),
         "garments[0].image is not an image URL: use an http(s) URL or a data:image/...;base64, URI"),
        (withGarments("[\"\(garment)\", \"javascript:alert(1)\"]"),
         "garments[1] is not an image URL: use an http(s) URL or a data:image/...;base64, URI"),
        (withGarments("[\"\(garment)\", {\"image\": \"https://img.test/a b.jpg\"}]"),
         "garments[1].image is not a valid URL"),
        (withGarments("[{\"image\": \"\(garment)\", \"category\": \"hats\"}]"),
         "garments[0].category \"hats\" is unknown; use upper_body, lower_body or dresses"),
        (withGarments("[{\"image\": \"\(garment)\", \"category\": \"Upper_Body\"}]"),
         "garments[0].category \"Upper_Body\" is unknown; use upper_body, lower_body or dresses"),
        (withGarments("[{\"image\": \"\(garment)\", \"category\": \"\(String(repeating: "x", count: 50))\"}]"),
         "garments[0].category \"\(String(repeating: "x", count: 40))...\" is unknown; use upper_body, lower_body or dresses"),
        (withGarments("[{\"image\": \"\(garment)\", \"category\": 1}]"), "garments[0].category must be a string"),
        (withGarments("[{\"image\": \"\(garment)\", \"category\": [\"dresses\"]}]"),
         "garments[0].category must be a string"),
        (withGarments("[42]"), "garments[0] must be an image URL or an object with image and category"),
        (withGarments("[\"\(garment)\", null]"), "garments[1] must be an image URL or an object with image and category"),
        (withGarments("[[\"\(garment)\"]]"), "garments[0] must be an image URL or an object with image and category"),
    ])
    func garmentsRejected(body: String, message: String) {
        #expect(rejection(body) == message)
    }

    @Test func fiveGarmentsAreTheMaximum() throws {
        let five = "[" + (0..<5).map { "\"https://img.test/g\($0).jpg\"" }.joined(separator: ",") + "]"
        let request = try validator.validate(body: Self.withGarments(five))
        #expect(request.garments.count == 5)
        #expect(request.garments.map(\.image) == (0..<5).map { "https://img.test/g\($0).jpg" })
    }

    @Test func bareURLStringIsAnUpperBodyGarment() throws {
        let request = try validator.validate(body: Self.withGarments("[\"\(Self.garment)\"]"))
        #expect(request.garments == [Garment(image: Self.garment, category: .upperBody)])
    }

    @Test(arguments: [
        ("\"upper_body\"", GarmentCategory.upperBody),
        ("\"lower_body\"", .lowerBody),
        ("\"dresses\"", .dresses),
        ("null", .upperBody),
    ])
    func garmentCategories(literal: String, expected: GarmentCategory) throws {
        let body = Self.withGarments("[{\"image\": \"\(Self.garment)\", \"category\": \(literal)}]")
        #expect(try validator.validate(body: body).garments == [Garment(image: Self.garment, category: expected)])
    }

    @Test func objectWithoutCategoryIsUpperBody() throws {
        let body = Self.withGarments("[{\"image\": \"\(Self.garment)\"}]")
        #expect(try validator.validate(body: body).garments == [Garment(image: Self.garment, category: .upperBody)])
    }

    // MARK: - prompt_hints

    @Test(arguments: ["5", "true", "[\"red\"]", "{\"text\": \"red\"}"])
    func promptHintsMustBeAString(literal: String) {
        #expect(rejection(Self.withHints(literal)) == "prompt_hints must be a string")
    }

    @Test func promptHintsLengthIsCountedInCharacters() throws {
        let ascii500 = String(repeating: "a", count: 500)
        #expect(try validator.validate(body: Self.withHints(Self.jsonString(ascii500))).promptHints == ascii500)
        #expect(
            rejection(Self.withHints(Self.jsonString(ascii500 + "a")))
                == "prompt_hints is 501 characters long; at most 500 are allowed")

        // 500 Cyrillic letters are 1000 bytes but 500 characters: accepted.
        let cyrillic500 = String(repeating: "я", count: 500)
        #expect(cyrillic500.utf8.count == 1000)
        #expect(try validator.validate(body: Self.withHints(Self.jsonString(cyrillic500))).promptHints == cyrillic500)
        #expect(
            rejection(Self.withHints(Self.jsonString(cyrillic500 + "ж")))
                == "prompt_hints is 501 characters long; at most 500 are allowed")

        // Emoji (4 bytes each, some several scalars) are one character each.
        let emoji500 = String(repeating: "👍🏽", count: 500)
        #expect(try validator.validate(body: Self.withHints(Self.jsonString(emoji500))).promptHints == emoji500)
    }

    @Test(arguments: ["red\u{0}shirt", "a\u{1}b", "esc\u{1B}[31m", "line\rfeed", "bell\u{7}"])
    func promptHintsControlCharactersRejected(hints: String) {
        #expect(rejection(Self.withHints(Self.jsonString(hints))) == "prompt_hints contains control characters")
    }

    @Test func promptHintsNewlinesAndTabsAllowed() throws {
        let hints = "red shirt,\n\tslim fit"
        #expect(try validator.validate(body: Self.withHints(Self.jsonString(hints))).promptHints == hints)
    }

    @Test(arguments: ["null", "\"\""])
    func emptyOrNullPromptHintsAreNil(literal: String) throws {
        #expect(try validator.validate(body: Self.withHints(literal)).promptHints == nil)
    }

    // MARK: - Valid bodies

    @Test func validBodyRoundTrips() throws {
        let body = """
            {"person_image": "https://img.test/person.jpg",
             "garments": ["https://img.test/a.jpg",
                          {"image": "https://img.test/b.jpg", "category": "lower_body"},
                          {"url": "ignored", "image": "data:image/png;base64,iVBORw0KGgo=", "category": "dresses"}],
             "prompt_hints": "Красная рубашка \\"slim\\"",
             "extra": {"ignored": true}}
            """
        let request = try validator.validate(body: body)
        let expected = TryOnRequest(
            personImage: "https://img.test/person.jpg",
            garments: [
                Garment(image: "https://img.test/a.jpg", category: .upperBody),
                Garment(image: "https://img.test/b.jpg", category: .lowerBody),
                Garment(image: "data:image/png;base64,iVBORw0KGgo=", category: .dresses),
            ],
            promptHints: "Красная рубашка \"slim\"")
        #expect(request == expected)

        #expect(
            request.garmentsJSON
                == #"[{"image":"https://img.test/a.jpg","category":"upper_body"},"#
                + #"{"image":"https://img.test/b.jpg","category":"lower_body"},"#
                + #"{"image":"data:image/png;base64,iVBORw0KGgo=","category":"dresses"}]"#)
        #expect(
            request.canonicalText
                == #"{"person_image":"https://img.test/person.jpg","garments":"# + request.garmentsJSON
                + #","prompt_hints":"Красная рубашка \"slim\""}"#)

        // The stored form is itself a valid body: validating it again gives the same request.
        var rebuilt = JSONText()
        rebuilt.add("person_image", request.personImage)
        rebuilt.add("garments", raw: request.garmentsJSON)
        rebuilt.add("prompt_hints", request.promptHints ?? "")
        #expect(try validator.validate(body: rebuilt.finish()) == request)
        #expect(try validator.validate(body: request.canonicalText) == request)

        // garmentsJSON is what ClaimedTask reads back from the column.
        #expect(ClaimedTask.parseGarments(request.garmentsJSON) == request.garments)
    }

    @Test func canonicalTextIsDeterministic() throws {
        // The same request with keys in another order, other whitespace, and a bare URL instead of an
        // upper_body object: the same canonical text.
        let first = try validator.validate(body: """
            {"person_image":"https://img.test/p.jpg","garments":["https://img.test/g.jpg"],"prompt_hints":"slim"}
            """)
        let second = try validator.validate(body: """
            {  "prompt_hints" : "slim",
               "garments" : [ {"category": "upper_body", "image": "https://img.test/g.jpg"} ],
               "person_image" : "https://img.test/p.jpg" }
            """)
        #expect(first == second)
        #expect(first.canonicalText == second.canonicalText)
        #expect(first.garmentsJSON == second.garmentsJSON)
        #expect(first.canonicalText == first.canonicalText)
        #expect(
            first.canonicalText
                == #"{"person_image":"https://img.test/p.jpg","garments":[{"image":"https://img.test/g.jpg","category":"upper_body"}],"prompt_hints":"slim"}"#
        )

        // Any difference changes the text: hints, category, order of garments.
        let otherHints = try validator.validate(body: #"{"person_image":"https://img.test/p.jpg","garments":["https://img.test/g.jpg"],"prompt_hints":"loose"}"#)
        #expect(otherHints.canonicalText != first.canonicalText)
        let otherCategory = try validator.validate(body: #"{"person_image":"https://img.test/p.jpg","garments":[{"image":"https://img.test/g.jpg","category":"dresses"}],"prompt_hints":"slim"}"#)
        #expect(otherCategory.canonicalText != first.canonicalText)
        let ab = try validator.validate(body: Self.withGarments(#"["https://img.test/a.jpg","https://img.test/b.jpg"]"#))
        let ba = try validator.validate(body: Self.withGarments(#"["https://img.test/b.jpg","https://img.test/a.jpg"]"#))
        #expect(ab.canonicalText != ba.canonicalText)
    }

    @Test func garmentsJSONEscapesSpecialCharacters() throws {
        let request = TryOnRequest(
            personImage: "https://img.test/p.jpg",
            garments: [Garment(image: "https://img.test/a?q=\"x\"\\", category: .dresses)], promptHints: "line\nnext")
        #expect(request.garmentsJSON == #"[{"image":"https://img.test/a?q=\"x\"\\","category":"dresses"}]"#)
        let parsed = try JSONValue.parse(request.canonicalText)
        #expect(parsed["prompt_hints"]?.stringValue == "line\nnext")
        #expect(parsed["garments"]?.arrayValue?.first?["image"]?.stringValue == "https://img.test/a?q=\"x\"\\")
    }
}

@Suite("TryOnRequestValidator: hostile bodies")
struct TryOnRequestValidatorHostileTests {
    static let private_ = "points to a local or private network address, which the model cannot fetch"

    @Test(arguments: [
        "http://127.0.0.1/p.jpg", "http://127.1/p.jpg", "http://2130706433/p.jpg", "http://0x7f000001/p.jpg", "http://0177.0.0.1/p.jpg",
        "http://localhost/p.jpg", "http://LOCALHOST./p.jpg", "http://a.localhost/p.jpg", "http://printer.local/p.jpg",
        "http://user:pw@localhost:8080/p.jpg", "http://10.1.2.3/p.jpg", "http://172.16.0.1/p.jpg", "http://172.31.255.255/p.jpg",
        "http://192.168.0.10/p.jpg", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/p.jpg", "http://0.0.0.0/p.jpg",
        "http://224.0.0.1/p.jpg", "http://255.255.255.255/p.jpg", "http://[::1]/p.jpg", "http://[::]/p.jpg", "http://[fe80::1%25eth0]/p.jpg",
        "http://[fd00::1]/p.jpg", "http://[::ffff:127.0.0.1]/p.jpg", "http://[::ffff:10.0.0.1]:80/p.jpg", "http://[64:ff9b::a00:1]/p.jpg", "http://[2002:c0a8:101::1]/p.jpg", "http://[2002:7f00:1::]/p.jpg",
        "http://[not-an-address]/p.jpg", "http://[::1/p.jpg", "http://metadata.google.internal/computeMetadata/v1/",
    ])
    func privateNetworkImagesAreRefused(url: String) throws {
        for body in [TryOnRequestValidatorTests.withPerson(JSONText.quoted(url)), TryOnRequestValidatorTests.withGarments("[\(JSONText.quoted(url))]")] {
            do {
                _ = try TryOnRequestValidator().validate(body: body)
                Issue.record("accepted \(url)")
            } catch {
                #expect(error.status == 400)
                #expect(error.message.hasSuffix(Self.private_), "\(error.message)")
            }
        }
    }

    @Test(arguments: [
        "https://8.8.8.8/p.jpg", "https://172.32.0.1/p.jpg", "https://192.169.0.1/p.jpg", "https://100.128.0.1/p.jpg",
        "https://[2001:db8::1]/p.jpg", "https://[::ffff:8.8.8.8]/p.jpg", "https://localhost.example.com/p.jpg", "https://internal.example/p.jpg",
        "https://1e100.net/p.jpg", "https://deadbeef/p.jpg",
    ])
    func publicHostsAreAccepted(url: String) throws {
        #expect(try TryOnRequestValidator().validate(body: TryOnRequestValidatorTests.withPerson(JSONText.quoted(url))).personImage == url)
    }

    @Test(arguments: [
        (#"{"person_image":"https://a.test/p.jpg","person_image":"https://a.test/p.jpg","garments":["https://a.test/g.jpg"]}"#, "person_image"),
        (#"{"person_image":"https://a.test/p.jpg","garments":["https://a.test/g.jpg"],"garments":[]}"#, "garments"),
        (#"{"person_image":"https://a.test/p.jpg","garments":[{"image":"https://a.test/g.jpg","image":"https://a.test/h.jpg"}]}"#, "image"),
        (#"{"person_image":"https://a.test/p.jpg","person\u005fimage":"x","garments":["https://a.test/g.jpg"]}"#, "person_image"),
        (#"{"person_image":"https://a.test/p.jpg","garments":["https://a.test/g.jpg"],"x":{"k":1,"k":2}}"#, "k"),
        (#" {"a\"b":1,"a\u0022b":2}"#, #"a"b"#),
        ("{\"" + String(repeating: "k", count: 50) + "\":1,\"" + String(repeating: "k", count: 50) + "\":2}", String(repeating: "k", count: 40) + "..."),
    ])
    func repeatedKeysAreRefused(body: String, key: String) {
        do {
            _ = try TryOnRequestValidator().validate(body: body)
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.message == "The request body repeats the key \"\(key)\"; each key may appear once")
        }
    }

    @Test func theSameKeyInDifferentObjectsAndKeyLikeValuesAreFine() throws {
        let body = #"{"person_image":"https://a.test/p.jpg","garments":[{"image":"https://a.test/g.jpg","category":"dresses"},{"image":"https://a.test/h.jpg"}],"prompt_hints":"person_image, \"garments\": {\"image\"}"}"#
        let request = try TryOnRequestValidator().validate(body: body)
        #expect(request.garments.count == 2)
    }
}
