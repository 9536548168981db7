import Testing
@testable import ReplicateStandIn

@Suite("Auth, validation and errors")
struct ValidationTests {
    @Test("missing or malformed Authorization is a 401 problem; Bearer and Token both work",
          arguments: [
              ([(String, String)](), 401),
              ([("Authorization", "Bearer ")], 401),
              ([("Authorization", "Basic abc")], 401),
              ([("Authorization", "r8_abc")], 401),
              ([("Authorization", "Bearer r8_abc")], 201),
              ([("Authorization", "Token r8_abc")], 201),
          ])
    func auth(headers: [(String, String)], expected: Int) throws {
        let standIn = try StandInHarness()
        let response = try standIn.create(headers: headers)
        #expect(response.status == expected)
        if expected == 401 {
            #expect(response.header("Content-Type") == "application/problem+json")
            let problem = try response.json()
            #expect(problem["status"] == .number(401))
            #expect(problem["type"]?.stringValue != nil && problem["title"]?.stringValue != nil)
            #expect(problem["detail"]?.stringValue != nil)
        }
    }

    @Test("GET and cancel need auth too")
    func authOnReads() throws {
        let standIn = try StandInHarness()
        let id = try standIn.createID()
        #expect(try standIn.request("GET", "/v1/predictions/\(id)", headers: []).status == 401)
        #expect(try standIn.request("POST", "/v1/predictions/\(id)/cancel", headers: []).status == 401)
    }

    @Test("invalid input answers 422 naming the field",
          arguments: [
              ("{\"garm_img\":\"https://x/g.jpg\",\"garment_des\":\"t\"}", "human_img"),
              ("{\"human_img\":\"ftp://x/p.jpg\",\"garm_img\":\"https://x/g.jpg\",\"garment_des\":\"t\"}", "human_img"),
              ("{\"human_img\":\"https://x/p.jpg\",\"garment_des\":\"t\"}", "garm_img"),
              ("{\"human_img\":\"https://x/p.jpg\",\"garm_img\":42,\"garment_des\":\"t\"}", "garm_img"),
              ("{\"human_img\":\"https://x/p.jpg\",\"garm_img\":\"https://x/g.jpg\"}", "garment_des"),
              ("{\"human_img\":\"https://x/p.jpg\",\"garm_img\":\"https://x/g.jpg\",\"garment_des\":7}", "garment_des"),
              ("{\"human_img\":\"https://x/p.jpg\",\"garm_img\":\"https://x/g.jpg\",\"garment_des\":\"t\",\"category\":\"hats\"}",
               "category"),
              ("{\"human_img\":\"https://x/p.jpg\",\"garm_img\":\"https://x/g.jpg\",\"garment_des\":\"t\",\"steps\":50}",
               "steps"),
          ])
    func invalidInput(input: String, field: String) throws {
        let standIn = try StandInHarness()
        let response = try standIn.create(input: input)
        #expect(response.status == 422)
        let problem = try response.json()
        #expect(problem["status"] == .number(422))
        #expect(problem["detail"]?.stringValue?.contains(field) == true)
        #expect(problem["instance"]?.stringValue == field)
        #expect(try standIn.stats()["totals"]?["predictions"] == .number(0))
    }

    @Test("an empty garment_des is accepted (the original app sent \"\") and echoed as sent")
    func emptyGarmentDescription() throws {
        let standIn = try StandInHarness()
        let input = "{\"human_img\":\"https://x/p.jpg\",\"garm_img\":\"https://x/g.jpg\",\"garment_des\":\"\"}"
        let response = try standIn.create(input: input)
        #expect(response.status == 201)
        #expect(try response.json()["input"]?["garment_des"]?.stringValue == "")
        #expect(try standIn.calls().first?["garment_des"]?.stringValue == "")
    }

    @Test("data: URIs are accepted for both images")
    func dataURIs() throws {
        let standIn = try StandInHarness()
        let response = try standIn.create(input: StandInHarness.input(
            human: "data:image/png;base64,iVBORw0KGgo=", garment: "data:image/jpeg;base64,/9j/4AAQ"))
        #expect(response.status == 201)
    }

    @Test("a bad or missing version is a 422 naming version")
    func badVersion() throws {
        let standIn = try StandInHarness()
        for body in ["{\"input\":\(StandInHarness.input())}", "{\"version\":\"abc\",\"input\":\(StandInHarness.input())}"] {
            let response = try standIn.request("POST", "/v1/predictions", body: body)
            #expect(response.status == 422)
            #expect(try response.json()["detail"]?.stringValue?.contains("version") == true)
        }
    }

    @Test("bad JSON is a 400 problem", arguments: ["{", "not json", "[1,2]", "{\"version\": tru}"])
    func badJSON(body: String) throws {
        let standIn = try StandInHarness()
        let response = try standIn.request("POST", "/v1/predictions", body: body)
        #expect(response.status == 400)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(try response.json()["status"] == .number(400))
    }

    @Test("unknown routes are a 404 problem; a wrong method is 405", arguments: [
        ("GET", "/", 404), ("GET", "/v2/predictions", 404), ("GET", "/v1/unknown", 404),
        ("DELETE", "/v1/predictions", 405), ("GET", "/_standin/nothing", 404),
    ])
    func unknownRoutes(method: String, path: String, expected: Int) throws {
        let standIn = try StandInHarness()
        let response = try standIn.request(method, path)
        #expect(response.status == expected)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.header("Content-Length") == String(response.body.count))
    }
}
