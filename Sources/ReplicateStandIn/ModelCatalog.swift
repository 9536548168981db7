import FunctionRuntime
import ReplicateModel

/// The one model the stand-in serves, `cuuupid/idm-vton`, as Replicate's model and version
/// objects (`GET /v1/models/…`).
///
/// The official Python client reads these during `replicate.run("owner/name:version")` (the
/// version, for its output schema) and through `replicate.models.get` and `model.versions`.
/// Every well-formed version id (64 hex digits) is treated as a version of idm-vton with the same
/// schema, just as `POST /v1/predictions` accepts any such id; the model's `latest_version` is
/// the pinned one, which is also what the model route runs.
enum ModelCatalog {
    static let owner = IDMVTON.owner
    static let name = IDMVTON.name
    /// `owner/name`.
    static let fullName = IDMVTON.fullName
    /// The version `latest_version` names (the pinned one).
    static let latestVersion = IDMVTON.pinnedVersion
    /// `created_at` of every version. The stand-in has no real history; one fixed instant keeps
    /// answers identical between runs.
    static let versionCreatedAt = "2024-04-08T12:00:00.000000Z"

    /// Whether `owner/name` is the served model. Replicate's names are lowercase, so the
    /// comparison ignores case.
    static func serves(owner: String, name: String) -> Bool {
        owner.lowercased() == Self.owner && name.lowercased() == Self.name
    }

    /// Whether `id` looks like a version id: exactly 64 hexadecimal digits.
    static func isVersionID(_ id: String) -> Bool {
        id.utf8.count == 64 && id.allSatisfy(\.isHexDigit)
    }

    /// The version object: `id`, `created_at`, `cog_version`, `openapi_schema`.
    static func version(id: String) -> JSONValue {
        .object([
            "id": .string(id.lowercased()),
            "created_at": .string(versionCreatedAt),
            "cog_version": .string(IDMVTONSchema.cogVersion),
            "openapi_schema": IDMVTONSchema.value,
        ])
    }

    /// The model object, with `latest_version` inlined as Replicate does.
    ///
    /// - Parameters:
    ///   - baseURL: `http://<Host>`; the model's `url` points under it so no link leaves the machine.
    ///   - runCount: predictions this stand-in has created for the model so far.
    static func model(baseURL: String, runCount: Int) -> JSONValue {
        .object([
            "url": .string("\(baseURL)/\(fullName)"),
            "owner": .string(owner),
            "name": .string(name),
            "description": .string("Virtual try-on (IDM-VTON), answered offline by fnhost's Replicate stand-in."),
            "visibility": .string("public"),
            "github_url": .string("https://github.com/yisol/IDM-VTON"),
            "paper_url": .string("https://arxiv.org/abs/2403.05139"),
            "license_url": .string("https://creativecommons.org/licenses/by-nc-sa/4.0/"),
            "run_count": .int(runCount),
            "cover_image_url": .null,
            "default_example": .null,
            "latest_version": version(id: latestVersion),
        ])
    }
}
