import CFAAD

/// AAC (LC, HE-AAC with SBR, HE-AAC v2 with parametric stereo) through libfaad2. Set up
/// from an MP4's AudioSpecificConfig or from the first ADTS header; the decoded rate and
/// channels are those of the first decoded frame, since SBR doubles the rate and
/// parametric stereo makes two channels of one only there.
final class AACDecoder: PacketDecoder {
    private(set) var sampleRate = 0
    private(set) var channels = 0
    let codecName = "AAC"
    /// What the decoded frames turned out to be: LC, HE-AAC or HE-AAC v2.
    private(set) var profile: StreamDescription.Codec = .aac
    /// Frames the decoder kept back at the start: libfaad gives nothing for the first
    /// frame(s), so it has already dropped that much of the encoder's priming.
    private(set) var droppedAtStart = 0
    private var silentPackets = 0
    /// Channels the stream declares: libfaad decodes mono as two equal channels (it
    /// makes room for parametric stereo), which are taken back to one.
    private var declaredChannels = 0
    private let handle: NeAACDecHandle

    /// A decoder for the stream an AudioSpecificConfig describes (MP4, M4A, 3GP).
    convenience init(path: String, config: [UInt8]) throws {
        try self.init(path: path, setup: config, declaredChannels: AACDecoder.channelConfiguration(config: config),
                      what: "its AudioSpecificConfig") { h, p, n, rate, ch in NeAACDecInit2(h, p, n, rate, ch) == 0 }
    }

    /// A decoder set up from the first ADTS frame (raw `.aac`).
    convenience init(path: String, adtsFrame: [UInt8]) throws {
        let channels = adtsFrame.count >= 4 ? Int(adtsFrame[2] & 1) << 2 | Int(adtsFrame[3] >> 6) : 0
        try self.init(path: path, setup: adtsFrame, declaredChannels: channels,
                      what: "its first ADTS header") { h, p, n, rate, ch in NeAACDecInit(h, p, n, rate, ch) >= 0 }
    }

    private init(path: String, setup: [UInt8], declaredChannels: Int, what: String,
                 initialise: (NeAACDecHandle, UnsafeMutablePointer<UInt8>, UInt, UnsafeMutablePointer<UInt>, UnsafeMutablePointer<UInt8>) -> Bool) throws {
        guard let h = NeAACDecOpen() else { throw AudioIOError(.unsupported, path, "cannot create an AAC decoder") }
        let config = NeAACDecGetCurrentConfiguration(h)!
        config.pointee.outputFormat = UInt8(FAAD_FMT_FLOAT)
        config.pointee.downMatrix = 1          // 5.1 to stereo; the pipeline mixes to mono
        _ = NeAACDecSetConfiguration(h, config)
        var rate: UInt = 0
        var ch: UInt8 = 0
        var bytes = setup
        guard bytes.withUnsafeMutableBufferPointer({ initialise(h, $0.baseAddress!, UInt($0.count), &rate, &ch) }) else {
            NeAACDecClose(h)
            throw AudioIOError(.unsupported, path, "holds AAC that libfaad cannot decode (\(what) is not one it supports)")
        }
        handle = h
        self.declaredChannels = declaredChannels
    }

    /// The channel configuration of an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1):
    /// after the object type (5 bits, or 11 when escaped) and the sampling index (4 bits,
    /// or 28 with an explicit rate). libfaad reports mono as stereo, so it is read here.
    static func channelConfiguration(config: [UInt8]) -> Int {
        var bit = 0
        func take(_ n: Int) -> Int? {
            var v = 0
            for _ in 0..<n {
                guard bit / 8 < config.count else { return nil }
                v = v << 1 | Int(config[bit / 8] >> (7 - bit % 8) & 1)
                bit += 1
            }
            return v
        }
        guard let objectType = take(5) else { return 0 }
        if objectType == 31 { _ = take(6) }
        guard let index = take(4) else { return 0 }
        if index == 15 { _ = take(24) }
        return take(4) ?? 0
    }

    deinit { NeAACDecClose(handle) }

    func decode(_ packet: UnsafeRawBufferPointer, into out: inout [Float]) -> (frames: Int, valid: Bool) {
        guard packet.count > 0 else { return (0, false) }
        var info = NeAACDecFrameInfo()
        let p = NeAACDecDecode(handle, &info, UnsafeMutablePointer(mutating: packet.baseAddress!.assumingMemoryBound(to: UInt8.self)), UInt(packet.count))
        guard info.error == 0, let p else { return (0, false) }
        let decodedChannels = Int(info.channels)
        guard decodedChannels > 0, info.samples > 0 else {
            if channels == 0 { silentPackets += 1 }
            return (0, true)
        }
        let frames = Int(info.samples) / decodedChannels
        // Mono that libfaad spread over two channels: read every second sample.
        let stride = declaredChannels == 1 && decodedChannels == 2 && info.ps == 0 ? 2 : 1
        let ch = decodedChannels / stride
        if channels == 0 {
            channels = ch
            sampleRate = Int(info.samplerate)
            profile = info.ps != 0 ? .heAACv2 : info.sbr != 0 ? .heAAC : info.object_type == 2 ? .aacLC : .aac
            droppedAtStart = silentPackets * frames
        }
        // A stream whose channel count changes part-way is mixed into the first layout.
        let samples = p.assumingMemoryBound(to: Float.self)
        if stride == 2 && channels == 1 {
            for f in 0..<frames { out.append(samples[2 * f]) }
        } else if ch == channels && stride == 1 {
            out.append(contentsOf: UnsafeBufferPointer(start: samples, count: frames * ch))
        } else {
            for f in 0..<frames {
                var sum: Float = 0
                for c in 0..<decodedChannels { sum += samples[f * decodedChannels + c] }
                for _ in 0..<channels { out.append(sum / Float(decodedChannels)) }
            }
        }
        return (frames, true)
    }
}
