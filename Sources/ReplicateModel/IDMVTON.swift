/// The one Replicate model the try-on runs, `cuuupid/idm-vton`, and the version it is pinned to:
/// the worker creates its predictions with this version (unless `REPLICATE_MODEL_VERSION` says
/// otherwise) and the offline stand-in serves it as the model's latest version. Kept in one place
/// so that the two cannot drift apart.
public enum IDMVTON {
    /// The model's owner on Replicate.
    public static let owner = "cuuupid"
    /// The model's name on Replicate.
    public static let name = "idm-vton"
    /// `owner/name`, as predictions report their model.
    public static let fullName = "\(owner)/\(name)"
    /// The pinned version id (64 lowercase hex digits), the one the original application used.
    public static let pinnedVersion = "c871bb9b046607b680449ecbae55fd8c6d945e0a1948644bf2361b3d021d3ff4"
}
