import G711

extension PromptFormat {
    /// Raw G.711 A-law, 8 kHz (`.alaw`).
    public static let alaw = PromptFormat(registering: "alaw")
    /// Raw G.711 mu-law, 8 kHz (`.ulaw`).
    public static let ulaw = PromptFormat(registering: "ulaw")
}

extension OutputFormat {
    static let alaw = g711(.alaw, law: .aLaw, extensions: ["alaw", "al", "alw"], encoding: .alaw)
    static let ulaw = g711(.ulaw, law: .muLaw, extensions: ["ulaw", "ul", "mu", "ulw", "pcm"], encoding: .ulaw)

    private static func g711(_ format: PromptFormat, law: G711Law, extensions: [String], encoding: RawEncoding) -> OutputFormat {
        OutputFormat(format, extensions: extensions, sampleRate: 8000, summary: "G.711 \(law.text), 8 kHz",
                     headerless: RawFormat(encoding: encoding, sampleRate: 8000),
                     makeWriter: { G711Writer(file: $0, law: law, format: format) },
                     checkContent: { _, head in
                         if WAVHeaderScan(head) != nil || head.starts(with: Array("RIFF".utf8)) { return .wavHeaderInRawFile(extension: format.rawValue) }
                         if let other = OutputFormat.containerIn(head) { return .otherFormatInRawFile(format: other, extension: format.rawValue) }
                         if let seen = LawDetector.judge(head), seen != law { return .wrongLaw(stated: law, seen: seen) }
                         return nil
                     })
    }
}

final class G711Writer: PromptWriter {
    let format: PromptFormat
    let file: OutputFile
    let law: G711Law
    private var codes: [UInt8] = []
    var path: String { file.path }
    var bytesWritten: Int64 { file.bytesWritten }

    init(file: OutputFile, law: G711Law, format: PromptFormat) {
        self.file = file
        self.law = law
        self.format = format
    }

    func write(_ samples: UnsafeBufferPointer<Float>) throws {
        if codes.count < samples.count { codes = [UInt8](repeating: 0, count: samples.count) }
        try codes.withUnsafeMutableBufferPointer { out in
            law.encode(samples, into: out)
            try file.write(UnsafeRawBufferPointer(start: out.baseAddress, count: samples.count))
        }
    }

    var output: OutputFile { file }
    func finishEncoding() throws {}
}


/// Judges which G.711 law raw bytes were written with. Read with the wrong law, audio
/// comes out distorted: rougher (more energy in sample-to-sample differences), and its
/// near-silent codes become about -33 dBFS. Three signals, in order of strength, each
/// used only when it is clear: roughness, then median magnitude, then which law's
/// near-zero codes the bytes use. Measured on Debian's stock prompts in five languages
/// (2830, converted to both laws; README, "Wrong law"): no wrong answer, 14 of 5660 undecided.
public enum LawDetector {
    /// The law the bytes look like, or nil when they are too short or say too little.
    public static func judge(_ bytes: [UInt8]) -> G711Law? {
        guard bytes.count >= 800 else { return nil }
        let a = G711Law.aLaw.decodeToFloat(bytes), u = G711Law.muLaw.decodeToFloat(bytes)
        if let ra = roughness(a), let ru = roughness(u), ra > 0, ru > 0 {
            if ru > 1.2 * ra { return .aLaw }
            if ra > 1.2 * ru { return .muLaw }
        }
        let ma = medianMagnitude(a), mu = medianMagnitude(u)
        if mu > 2 * ma { return .aLaw }
        if ma > 2 * mu { return .muLaw }
        // The codes each law gives samples within 4 steps of zero (A-law 0xD5/0x55 and
        // neighbours, mu-law 0xFF/0x7F and neighbours).
        var nearZeroA = 0, nearZeroU = 0
        for b in bytes {
            if b & 0x7C == 0x54 { nearZeroA += 1 }
            if b & 0x7C == 0x7C { nearZeroU += 1 }
        }
        if nearZeroA + nearZeroU >= 8 {
            if nearZeroA > 4 * nearZeroU { return .aLaw }
            if nearZeroU > 4 * nearZeroA { return .muLaw }
        }
        return nil
    }

    static func medianMagnitude(_ x: [Float]) -> Float {
        var m = x.map { abs($0) }
        let k = m.count / 2
        m.sort()
        return m[k]
    }

    /// Energy of the first difference over the energy: small for natural audio at 8 kHz,
    /// near 2 for white noise. Nil for (near) silence.
    static func roughness(_ x: [Float]) -> Double? {
        var e = 0.0, d = 0.0
        for i in 0..<x.count {
            let v = Double(x[i])
            e += v * v
            if i > 0 { let q = v - Double(x[i - 1]); d += q * q }
        }
        guard e / Double(x.count) > 1e-7 else { return nil }
        return d / e
    }
}
