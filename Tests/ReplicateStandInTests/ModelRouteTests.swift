import FunctionRuntime
import Testing
@testable import ReplicateStandIn

/// `GET /v1/models/…`: the model and version objects the official Python client reads.
@Suite("Model and version routes")
struct ModelRouteTests {
    static let modelPath = "/v1/models/cuuupid/idm-vton"

    @Test("the model names its owner, name and latest version with the version's schema")
    func model() throws {
        let standIn = try StandInHarness()
        _ = try standIn.createID()
        let response = try standIn.request("GET", Self.modelPath)
        #expect(response.status == 200)
        let model = try response.json()
        #expect(model["owner"]?.stringValue == "cuuupid")
        #expect(model["name"]?.stringValue == "idm-vton")
        #expect(model["visibility"]?.stringValue == "public")
        #expect(model["run_count"] == .number(1))
        #expect(model["url"]?.stringValue == "http://127.0.0.1/cuuupid/idm-vton")
        let latest = try #require(model["latest_version"])
        #expect(latest["id"]?.stringValue == StandInHarness.version)
        #expect(latest["openapi_schema"]?["components"]?["schemas"]?["Output"]?["format"]?.stringValue == "uri")
    }

    @Test("a version answers with id, created_at, cog_version and the idm-vton schema")
    func version() throws {
        let standIn = try StandInHarness()
        let response = try standIn.request("GET", "\(Self.modelPath)/versions/\(StandInHarness.version)")
        #expect(response.status == 200)
        let version = try response.json()
        #expect(version["id"]?.stringValue == StandInHarness.version)
        #expect(version["cog_version"]?.stringValue == IDMVTONSchema.cogVersion)
        #expect(version["created_at"]?.stringValue?.hasSuffix("Z") == true)
        let input = try #require(version["openapi_schema"]?["components"]?["schemas"]?["Input"])
        #expect(input["required"]?.arrayValue?.compactMap(\.stringValue) == ["human_img", "garm_img", "garment_des"])
        #expect(input["properties"]?["steps"]?["maximum"] == .number(40))
    }

    @Test("any 64-hex version is served (lowercased), like creates accept; other ids are a 404 naming them")
    func otherVersions() throws {
        let standIn = try StandInHarness()
        let upper = String(repeating: "AB", count: 32)
        let found = try standIn.request("GET", "\(Self.modelPath)/versions/\(upper)")
        #expect(found.status == 200)
        #expect(try found.json()["id"]?.stringValue == upper.lowercased())
        let missing = try standIn.request("GET", "\(Self.modelPath)/versions/abc")
        #expect(missing.status == 404)
        #expect(missing.header("Content-Type") == "application/problem+json")
        #expect(try missing.json()["detail"]?.stringValue?.contains("abc") == true)
    }

    @Test("the lists hold the served model and the pinned version")
    func lists() throws {
        let standIn = try StandInHarness()
        let versions = try standIn.request("GET", "\(Self.modelPath)/versions").json()
        #expect(versions["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [StandInHarness.version])
        #expect(versions["next"] == .null)
        let models = try standIn.request("GET", "/v1/models").json()
        #expect(models["results"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["idm-vton"])
    }

    @Test("another model is a 404 naming it; reads need auth; only GET is allowed")
    func refusals() throws {
        let standIn = try StandInHarness()
        let other = try standIn.request("GET", "/v1/models/nobody/nothing")
        #expect(other.status == 404)
        #expect(try other.json()["detail"]?.stringValue?.contains("nobody/nothing") == true)
        #expect(try standIn.request("GET", "/v1/models/nobody/nothing/versions/\(StandInHarness.version)").status == 404)
        #expect(try standIn.request("GET", Self.modelPath, headers: []).status == 401)
        let delete = try standIn.request("DELETE", "\(Self.modelPath)/versions/\(StandInHarness.version)")
        #expect(delete.status == 405)
        #expect(delete.header("Allow") == "GET")
        #expect(try standIn.request("POST", "/v1/models").status == 405)
        #expect(try standIn.request("GET", "\(Self.modelPath)/predictions").status == 405)
    }

    @Test("paths under /v1/models that are no route are a 404 naming method and path",
          arguments: ["/v1/models/cuuupid", "/v1/models/cuuupid/idm-vton/readme", "/v1/models/a/b/versions/c/d"])
    func noRoute(path: String) throws {
        let standIn = try StandInHarness()
        let response = try standIn.request("GET", path)
        #expect(response.status == 404)
        #expect(try response.json()["detail"]?.stringValue == "No route for GET \(path).")
        #expect(try standIn.calls().last?["kind"]?.stringValue == "other")
    }

    @Test("model reads are logged as model calls with the client's user agent")
    func logged() throws {
        let standIn = try StandInHarness()
        _ = try standIn.request("GET", Self.modelPath, headers: StandInHarness.auth + [("User-Agent", "replicate-python/1.0.7")])
        _ = try standIn.request("GET", "\(Self.modelPath)/versions/abc")
        let calls = try standIn.calls()
        #expect(calls.compactMap { $0["kind"]?.stringValue } == ["model", "model"])
        #expect(calls.compactMap { $0["status"]?.intValue } == [200, 404])
        #expect(calls.first?["user_agent"]?.stringValue == "replicate-python/1.0.7")
    }

    @Test("the schema text parses into an OpenAPI document")
    func schemaParses() throws {
        let schema = try JSONValue.parse(IDMVTONSchema.text)
        #expect(schema["openapi"]?.stringValue == "3.0.2")
        #expect(IDMVTONSchema.value == schema)
    }
}
