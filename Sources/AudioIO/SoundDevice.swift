import CALSA
import G711
#if canImport(Glibc)
import Glibc
#endif

/// A sound card to play through, by ALSA: "default" reaches PulseAudio or PipeWire on a
/// desktop; "null" takes the sound and plays nothing (for tests). Interleaved float in,
/// 16-bit out; ALSA's plug layer converts the rate where the card needs it.
public final class SoundDevice {
    /// Why a device cannot play: there is none (a headless server), or it refused.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        /// True when no such device exists (rather than one that failed).
        public let noDevice: Bool
        public let description: String
    }

    public let name: String
    public let rate: Int
    public let channels: Int
    private var pcm: OpaquePointer?
    private var samples: [Int16] = []

    /// Opens `device` for `rate` Hz and `channels` channels.
    public init(device: String, rate: Int, channels: Int) throws {
        name = device
        self.rate = rate
        self.channels = channels
        promptc_alsa_silence()
        var handle: OpaquePointer?
        let opened = snd_pcm_open(&handle, device, SND_PCM_STREAM_PLAYBACK, 0)
        guard opened == 0, let handle else {
            // ENOENT/ENODEV: no card, or no such device name (a server without sound).
            let missing = opened == -ENOENT || opened == -ENODEV || opened == -ENXIO || opened == -EINVAL
            throw Failure(noDevice: missing, description: "no sound device to play on (ALSA cannot open '\(device)': \(String(cString: snd_strerror(opened))))")
        }
        pcm = handle
        // Half a second of buffer; soft resampling on, so any rate plays on any card.
        let set = snd_pcm_set_params(handle, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
                                     UInt32(channels), UInt32(rate), 1, 500_000)
        guard set == 0 else {
            snd_pcm_close(handle)
            pcm = nil
            throw Failure(noDevice: false, description: "the sound device '\(device)' cannot play \(rate) Hz, \(channels) channel(s): \(String(cString: snd_strerror(set)))")
        }
    }

    deinit { if let pcm { snd_pcm_close(pcm) } }

    /// Plays interleaved frames (full scale ±1.0), waiting while the device's buffer is full.
    public func play(_ interleaved: UnsafeBufferPointer<Float>) throws {
        guard let pcm else { return }
        // The writers' conversion: rounded, saturated, NaN as 0.
        if samples.count != interleaved.count { samples = [Int16](repeating: 0, count: interleaved.count) }
        samples.withUnsafeMutableBufferPointer { LinearPCM.encode(interleaved, into: $0) }
        var offset = 0
        let frames = samples.count / channels
        while offset < frames {
            let written = samples.withUnsafeBufferPointer {
                snd_pcm_writei(pcm, $0.baseAddress! + offset * channels, snd_pcm_uframes_t(frames - offset))
            }
            if written < 0 {
                // An underrun (the machine was busy) is recovered from; anything else ends playback.
                let recovered = snd_pcm_recover(pcm, Int32(written), 1)
                if recovered < 0 { throw Failure(noDevice: false, description: "the sound device '\(name)' failed: \(String(cString: snd_strerror(recovered)))") }
                continue
            }
            offset += Int(written)
        }
    }

    /// Waits until everything written has been heard, then closes the device.
    public func finish() {
        guard let pcm else { return }
        snd_pcm_drain(pcm)
        snd_pcm_close(pcm)
        self.pcm = nil
    }
}
