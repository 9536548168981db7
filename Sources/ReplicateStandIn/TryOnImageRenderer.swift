/// Draws the stand-in's "try-on result": a person silhouette wearing coloured garments.
///
/// 192×256 RGB (3:4, like idm-vton's 768×1024 output scaled down): a soft vertical background
/// gradient, a grey silhouette (head, neck, torso, arms, legs), then each ``GarmentLayer`` in
/// chain order — `upper_body` over torso and arms, `lower_body` over hips and legs, `dresses`
/// from shoulders to knees. The chain step is shown as that many white stripes in the top-left
/// corner, so a demo can tell step 1 from step 3 at a glance.
struct TryOnImageRenderer {
    /// Image size in pixels.
    static let width = 192
    static let height = 256

    private var pixels: [UInt8]

    private init() {
        pixels = [UInt8](repeating: 0, count: TryOnImageRenderer.width * TryOnImageRenderer.height * 3)
    }

    /// The PNG for a prediction with these layers (oldest first); step = `layers.count`.
    static func png(layers: [GarmentLayer]) -> [UInt8] {
        var canvas = TryOnImageRenderer()
        canvas.drawBackground()
        canvas.drawPerson()
        for layer in layers { canvas.drawGarment(layer) }
        canvas.drawStepStripes(max(1, layers.count))
        return PNGEncoder.encodeRGB(width: width, height: height, pixels: canvas.pixels) ?? []
    }

    private mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < Self.width, y < Self.height else { return }
        let offset = (y * Self.width + x) * 3
        pixels[offset] = color.0
        pixels[offset + 1] = color.1
        pixels[offset + 2] = color.2
    }

    private mutating func fillRect(x: Int, y: Int, width: Int, height: Int, _ color: (UInt8, UInt8, UInt8)) {
        for row in y..<(y + height) {
            for column in x..<(x + width) { set(column, row, color) }
        }
    }

    private mutating func fillEllipse(centerX: Int, centerY: Int, radiusX: Int, radiusY: Int,
                                      _ color: (UInt8, UInt8, UInt8)) {
        for row in (centerY - radiusY)...(centerY + radiusY) {
            for column in (centerX - radiusX)...(centerX + radiusX) {
                let dx = Double(column - centerX) / Double(radiusX)
                let dy = Double(row - centerY) / Double(radiusY)
                if dx * dx + dy * dy <= 1 { set(column, row, color) }
            }
        }
    }

    private mutating func drawBackground() {
        for row in 0..<Self.height {
            let shade = UInt8(230 - row * 40 / Self.height)
            for column in 0..<Self.width { set(column, row, (shade - 12, shade - 4, shade)) }
        }
        fillRect(x: 0, y: 236, width: Self.width, height: 20, (170, 160, 150))  // floor
    }

    private static let skin: (UInt8, UInt8, UInt8) = (222, 184, 150)
    private static let base: (UInt8, UInt8, UInt8) = (120, 120, 128)

    private mutating func drawPerson() {
        fillEllipse(centerX: 96, centerY: 40, radiusX: 17, radiusY: 21, Self.skin)           // head
        fillEllipse(centerX: 96, centerY: 26, radiusX: 18, radiusY: 10, (70, 50, 40))        // hair
        fillRect(x: 89, y: 58, width: 14, height: 10, Self.skin)                              // neck
        fillRect(x: 66, y: 68, width: 60, height: 74, Self.base)                              // torso
        fillRect(x: 50, y: 70, width: 15, height: 68, Self.base)                              // left arm
        fillRect(x: 127, y: 70, width: 15, height: 68, Self.base)                             // right arm
        fillEllipse(centerX: 57, centerY: 143, radiusX: 7, radiusY: 7, Self.skin)             // hands
        fillEllipse(centerX: 134, centerY: 143, radiusX: 7, radiusY: 7, Self.skin)
        fillRect(x: 70, y: 142, width: 24, height: 90, (90, 90, 100))                         // legs
        fillRect(x: 98, y: 142, width: 24, height: 90, (90, 90, 100))
        fillRect(x: 66, y: 230, width: 28, height: 8, (40, 40, 40))                           // shoes
        fillRect(x: 98, y: 230, width: 28, height: 8, (40, 40, 40))
    }

    private mutating func drawGarment(_ layer: GarmentLayer) {
        let color = (layer.red, layer.green, layer.blue)
        let trim = (UInt8(Int(layer.red) * 3 / 4), UInt8(Int(layer.green) * 3 / 4), UInt8(Int(layer.blue) * 3 / 4))
        switch layer.category {
        case "lower_body":
            fillRect(x: 68, y: 136, width: 56, height: 14, color)                           // waist
            fillRect(x: 70, y: 150, width: 24, height: 78, color)
            fillRect(x: 98, y: 150, width: 24, height: 78, color)
            fillRect(x: 68, y: 136, width: 56, height: 3, trim)                             // belt
        case "dresses":
            fillRect(x: 64, y: 66, width: 64, height: 76, color)
            for row in 142..<200 {                                                          // flared skirt
                let spread = (row - 142) / 3
                fillRect(x: 64 - spread, y: row, width: 64 + 2 * spread, height: 1, color)
            }
            fillRect(x: 50, y: 68, width: 15, height: 24, color)                            // short sleeves
            fillRect(x: 127, y: 68, width: 15, height: 24, color)
        default:  // upper_body
            fillRect(x: 64, y: 66, width: 64, height: 80, color)
            fillRect(x: 49, y: 68, width: 17, height: 44, color)                            // sleeves
            fillRect(x: 126, y: 68, width: 17, height: 44, color)
            fillRect(x: 88, y: 66, width: 16, height: 5, trim)                              // collar
        }
    }

    private mutating func drawStepStripes(_ step: Int) {
        for index in 0..<min(step, 10) {
            fillRect(x: 6, y: 6 + index * 6, width: 22, height: 3, (255, 255, 255))
        }
    }
}
