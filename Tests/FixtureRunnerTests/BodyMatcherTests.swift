import FunctionRuntime
import Testing

@testable import FixtureRunner

/// The failures of `body` against `expected` with `matcher`.
func bodyFailures(_ matcher: BodyMatcher, _ expected: JSONValue, _ body: String) -> [String] {
    matcher.check(Array(body.utf8), against: expected)
}

/// Every matcher, positive and negative, and the exact wording of representative failures.
@Suite struct BodyMatcherTests {
    // MARK: partial

    @Test func partialIgnoresExtraKeysAndChecksListedOnes() {
        let expected: JSONValue = ["status": "pending", "count": 2]
        #expect(bodyFailures(.partial, expected, #"{"status": "pending", "count": 2.0, "extra": [1]}"#).isEmpty)
        #expect(
            bodyFailures(.partial, expected, #"{"status": "done", "count": 2}"#)
                == [#"body.status: expected "pending", got string "done""#])
        #expect(
            bodyFailures(.partial, expected, #"{"status": "pending"}"#)
                == ["body.count: expected 2, got nothing (the key is missing)"])
    }

    @Test func partialRecursesIntoNestedObjects() {
        let expected: JSONValue = ["user": ["id": "number", "profile": ["name": "Ann"]]]
        #expect(
            bodyFailures(.partial, expected, #"{"user": {"id": 7, "role": "x", "profile": {"name": "Ann", "age": 3}}}"#)
                .isEmpty)
        #expect(
            bodyFailures(.partial, expected, #"{"user": {"id": "7", "profile": {"name": "Bob"}}}"#)
                == [
                    #"body.user.id: expected a number, got string "7""#,
                    #"body.user.profile.name: expected "Ann", got string "Bob""#,
                ])
        #expect(
            bodyFailures(.partial, expected, #"{"user": {"id": 1, "profile": null}}"#)
                == ["body.user.profile: expected an object, got null"])
    }

    @Test(arguments: [
        ("string", #""abc""#, #"5"#, "expected a string, got number 5"),
        ("number", #"-1.5"#, #""5""#, #"expected a number, got string "5""#),
        ("boolean", #"false"#, #""false""#, #"expected a boolean, got string "false""#),
        ("array", #"[]"#, #"{}"#, "expected an array, got an empty object"),
        ("object", #"{"a": 1}"#, #"[1]"#, "expected an object, got an array of 1 element"),
    ])
    func typePlaceholdersMatchAnyValueOfTheirType(placeholder: String, good: String, bad: String, message: String) {
        let expected: JSONValue = ["v": .string(placeholder)]
        #expect(bodyFailures(.partial, expected, #"{"v": \#(good)}"#).isEmpty)
        #expect(bodyFailures(.partial, expected, #"{"v": \#(bad)}"#) == ["body.v: " + message])
        #expect(
            bodyFailures(.partial, expected, #"{}"#) == [
                "body.v: expected \(ValueDescription.article(placeholder)), "
                    + "got nothing (the key is missing)"
            ])
    }

    @Test func literalStringIsAPlaceholderButOtherWordsAreLiterals() {
        // "string" cannot be asked for literally: any string matches it.
        #expect(bodyFailures(.partial, ["kind": "string"], #"{"kind": "anything"}"#).isEmpty)
        // "null" and "integer" are not placeholders.
        #expect(!bodyFailures(.partial, ["kind": "null"], #"{"kind": null}"#).isEmpty)
        #expect(!bodyFailures(.partial, ["kind": "integer"], #"{"kind": 5}"#).isEmpty)
        #expect(bodyFailures(.partial, ["kind": "integer"], #"{"kind": "integer"}"#).isEmpty)
    }

    @Test func partialArraysMatchElementWiseWithTheSameLength() {
        let expected: JSONValue = ["items": [["id": "number"], ["id": 2, "tag": "b"]]]
        #expect(bodyFailures(.partial, expected, #"{"items": [{"id": 1, "x": 0}, {"id": 2, "tag": "b"}]}"#).isEmpty)
        #expect(
            bodyFailures(.partial, expected, #"{"items": [{"id": 1}, {"id": 3, "tag": "b"}]}"#)
                == ["body.items[1].id: expected 2, got number 3"])
        #expect(
            bodyFailures(.partial, expected, #"{"items": [{"id": 1}]}"#)
                == ["body.items: expected an array of 2 elements, got an array of 1 element"])
    }

    @Test func emptyExpectedArrayMeansAnEmptyArray() {
        #expect(bodyFailures(.partial, ["tasks": []], #"{"tasks": []}"#).isEmpty)
        #expect(
            bodyFailures(.partial, ["tasks": []], #"{"tasks": [1]}"#)
                == ["body.tasks: expected an empty array, got an array of 1 element"])
        #expect(
            bodyFailures(.partial, ["tasks": []], #"{"tasks": {}}"#) == [
                "body.tasks: expected an empty array, got an empty object"
            ])
    }

    @Test func partialRequiresAJSONBodyForStructuredExpectations() {
        #expect(
            bodyFailures(.partial, ["a": 1], "Internal error") == [
                #"body: expected JSON (an object), got text "Internal error""#
            ])
        #expect(bodyFailures(.partial, ["a": 1], "") == ["body: expected JSON (an object), got an empty body"])
        #expect(bodyFailures(.partial, ["a": 1], "[1]") == ["body: expected an object, got an array of 1 element"])
    }

    @Test func partialWithAStringComparesJSONOrRawText() {
        #expect(bodyFailures(.partial, "OK", "OK").isEmpty)
        #expect(bodyFailures(.partial, "OK", #""OK""#).isEmpty)
        #expect(bodyFailures(.partial, "", "").isEmpty)
        #expect(bodyFailures(.partial, "string", "any text").isEmpty)
        #expect(bodyFailures(.partial, "OK", "FAIL") == [#"body: expected "OK", got text "FAIL""#])
        #expect(bodyFailures(.partial, "string", "") == [#"body: expected JSON (a string), got an empty body"#])
        #expect(bodyFailures(.partial, "object", "text") == [#"body: expected JSON (an object), got text "text""#])
    }

    @Test func keysThatAreNotIdentifiersAreBracketed() {
        #expect(
            bodyFailures(.partial, ["content-type": "x", "2fa": true], #"{"content-type": "y", "2fa": false}"#)
                == [
                    #"body["2fa"]: expected true, got boolean false"#,
                    #"body["content-type"]: expected "x", got string "y""#,
                ])
    }

    // MARK: exact

    @Test func exactComparesWholeJSONValues() {
        let expected: JSONValue = ["ok": true, "ids": [1, 2]]
        #expect(bodyFailures(.exact, expected, #"{"ids": [1, 2.0], "ok": true}"#).isEmpty)
        #expect(
            bodyFailures(.exact, expected, #"{"ids": [1, 2], "ok": true, "extra": 0}"#)
                == ["body.extra: expected no such key, got number 0"])
        #expect(
            bodyFailures(.exact, expected, #"{"ids": [2, 1]}"#)
                == [
                    "body.ids[0]: expected 1, got number 2", "body.ids[1]: expected 2, got number 1",
                    "body.ok: expected true, got nothing (the key is missing)",
                ])
    }

    @Test func exactHasNoPlaceholders() {
        #expect(bodyFailures(.exact, ["id": "string"], #"{"id": "string"}"#).isEmpty)
        #expect(
            bodyFailures(.exact, ["id": "string"], #"{"id": "abc"}"#) == [
                #"body.id: expected "string", got string "abc""#
            ])
    }

    @Test func exactWithAStringComparesRawText() {
        #expect(bodyFailures(.exact, "", "").isEmpty)
        #expect(bodyFailures(.exact, "FAIL", "FAIL").isEmpty)
        #expect(bodyFailures(.exact, "", "{}") == [#"body: expected exactly "", got text "{}""#])
        #expect(bodyFailures(.exact, "FAIL", #""FAIL""#) == [#"body: expected exactly "FAIL", got text "\"FAIL\"""#])
        #expect(bodyFailures(.exact, "FAIL", "FAIL\n") == [#"body: expected exactly "FAIL", got text "FAIL\n""#])
        #expect(bodyFailures(.exact, "FAIL", "") == [#"body: expected exactly "FAIL", got an empty body"#])
    }

    @Test func exactRequiresJSONForStructuredExpectations() {
        #expect(bodyFailures(.exact, [], "nope") == [#"body: expected JSON (an empty array), got text "nope""#])
    }

    // MARK: type and array

    @Test(arguments: [BodyMatcher.type, .array])
    func typeMatchersCompareOnlyTheJSONType(matcher: BodyMatcher) {
        #expect(bodyFailures(matcher, [], "[1, 2, 3]").isEmpty)
        #expect(bodyFailures(matcher, [], "[]").isEmpty)
        #expect(bodyFailures(matcher, [], #"{"a": []}"#) == ["body: expected an array, got an object with 1 key"])
        #expect(bodyFailures(matcher, [:], #"{"a": 1}"#).isEmpty)
        #expect(bodyFailures(matcher, [:], "[]") == ["body: expected an object, got an empty array"])
        #expect(bodyFailures(matcher, "array", "[{}]").isEmpty)
        #expect(bodyFailures(matcher, "hello", #""other""#).isEmpty)
        #expect(bodyFailures(matcher, 5, "7.5").isEmpty)
        #expect(bodyFailures(matcher, [], "oops") == [#"body: expected JSON (an array), got text "oops""#])
        #expect(bodyFailures(matcher, [], "") == ["body: expected JSON (an array), got an empty body"])
    }

    // MARK: none and skip

    @Test(arguments: [BodyMatcher.none, .skip])
    func noneAndSkipCheckNothing(matcher: BodyMatcher) {
        #expect(bodyFailures(matcher, ["a": 1], "not json at all").isEmpty)
        #expect(bodyFailures(matcher, "x", "").isEmpty)
    }

    @Test func longActualTextIsCutShort() throws {
        let long = String(repeating: "x", count: 5000)
        let failure = try #require(bodyFailures(.exact, "short", long).first)
        #expect(failure.count < 200)
        #expect(failure.hasSuffix("..."))
    }
}
