import FunctionRuntime

/// The OpenAPI description of `cuuupid/idm-vton`'s inputs and output, as a Cog model publishes it
/// in a version's `openapi_schema`.
///
/// The official Python client reads it during `replicate.run`: when
/// `components.schemas.Output` is an array marked `x-cog-array-type: iterator` it streams the
/// output instead of waiting. idm-vton returns one URI string, so `run` waits and returns that
/// URI (0.25.x) or a `FileOutput` over it (1.x). The inputs mirror what ``IDMVTONInput``
/// validates (replicate-api.md §10); the descriptions are the stand-in's own words.
enum IDMVTONSchema {
    /// The Cog release that built the schema; the client compares it with 0.3.9 to decide whether
    /// arrays lacking `x-cog-array-type` are iterators, so any later release is equivalent.
    static let cogVersion = "0.9.6"

    /// The schema as a JSON value, parsed once from ``text``.
    static let value: JSONValue = (try? JSONValue.parse(text, options: .standIn)) ?? .object([:])

    /// The schema's source. Kept as JSON text so it reads like the document Replicate serves;
    /// a unit test checks that it parses.
    static let text = #"""
        {
          "openapi": "3.0.2",
          "info": {"title": "Cog", "version": "0.1.0"},
          "paths": {},
          "components": {
            "schemas": {
              "Input": {
                "type": "object",
                "title": "Input",
                "required": ["human_img", "garm_img", "garment_des"],
                "properties": {
                  "human_img": {"type": "string", "format": "uri", "title": "Human Img", "x-order": 0,
                                "description": "Photo of the person; 3:4 works best, otherwise set crop."},
                  "garm_img": {"type": "string", "format": "uri", "title": "Garm Img", "x-order": 1,
                               "description": "Photo of the garment, matching the category."},
                  "garment_des": {"type": "string", "title": "Garment Des", "x-order": 2,
                                  "description": "A few words about the garment; may be empty."},
                  "category": {"allOf": [{"$ref": "#/components/schemas/category"}], "default": "upper_body",
                               "x-order": 3, "description": "Which part of the body the garment covers."},
                  "crop": {"type": "boolean", "title": "Crop", "default": false, "x-order": 4,
                           "description": "Crop a photo that is not 3:4 before the try-on."},
                  "force_dc": {"type": "boolean", "title": "Force Dc", "default": false, "x-order": 5,
                               "description": "Use the DressCode variant (always on for dresses)."},
                  "mask_img": {"type": "string", "format": "uri", "title": "Mask Img", "x-order": 6,
                               "description": "Optional mask of the area to dress; speeds the run up."},
                  "steps": {"type": "integer", "title": "Steps", "default": 30, "minimum": 20, "maximum": 40,
                            "x-order": 7, "description": "Diffusion steps."},
                  "seed": {"type": "integer", "title": "Seed", "default": 42, "x-order": 8,
                           "description": "Random seed, for repeatable pictures."}
                }
              },
              "category": {
                "type": "string",
                "title": "category",
                "enum": ["upper_body", "lower_body", "dresses"],
                "description": "An enumeration."
              },
              "Output": {"type": "string", "format": "uri", "title": "Output"}
            }
          }
        }
        """#
}
