import Foundation
import Testing
@testable import PromptKit
import AudioIO

/// `promptc play` through ALSA's null device (plays nothing, at once), and what happens on
/// a machine without sound.
@Suite("promptc play", .serialized)
struct PlayTests {
    func callerFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []).filter { $0.hasPrefix("promptc-caller-") }
    }

    @Test("plays a recording and a prompt to the null device, saying what it plays")
    func nullDevice() throws {
        let r = try runPromptc(["play", fixture("speech/speech-8k-mono.wav"), fixture("reference/speech-44k-cbr128.ffmpeg.alaw"), "--device", "null"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("playing \(fixture("speech/speech-8k-mono.wav")): WAV (16-bit PCM, 8000 Hz, mono), 4.00 s"))
        #expect(r.stderr.contains("playing \(fixture("reference/speech-44k-cbr128.ffmpeg.alaw")): raw A-law (8000 Hz, mono)"))
        let quiet = try runPromptc(["play", fixture("speech/speech-8k-mono.wav"), "--device", "null", "-q"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
    }

    @Test("--as-caller: a recording through A-law at 8 kHz (as ffmpeg's A-law of it, 30 dB and more), a prompt through its own codec, a wide prompt through G.722")
    func asCaller() throws {
        let mp3 = fixture("speech/speech-44k-cbr128.mp3")
        #expect(Listening.callerFormat(forInput: mp3) == .alaw)
        #expect(Listening.callerFormat(forInput: "x.ulaw") == .ulaw && Listening.callerFormat(forInput: "x.gsm") == .gsm)
        #expect(Listening.callerFormat(forInput: "x.g722") == .g722 && Listening.callerFormat(forInput: "x.sln16") == .g722)
        #expect(Listening.callerFormat(forInput: "x.sln") == .sln && Listening.callerFormat(forInput: "x.wav16") == .g722)
        // What is played for the MP3: A-law at 8 kHz, as an independent converter makes it.
        let made = try Listening.asCaller(mp3, format: .alaw)
        #expect(made.temporary && made.path.hasSuffix(".alaw"))
        let heard = try decodeMono(made.path), ffmpeg = try decodeMono(fixture("reference/speech-44k-cbr128.ffmpeg.alaw"))
        unlink(made.path)
        #expect(heard.rate == 8000 && heard.samples.count == ffmpeg.samples.count)
        let snr = alignedSNR(heard.samples, ffmpeg.samples).snr
        #expect(snr > 30, "\(snr) dB against ffmpeg's A-law")
        // A prompt already in the caller's format is played as it is.
        let same = try Listening.asCaller(fixture("reference/speech-44k-cbr128.ffmpeg.alaw"), format: .alaw)
        #expect(!same.temporary && same.path == fixture("reference/speech-44k-cbr128.ffmpeg.alaw"))

        let r = try runPromptc(["play", mp3, "--as-caller", "--device", "null"])
        #expect(r.status == 0 && r.stderr.contains("as a caller hears it (alaw, 8000 Hz)"), "\(r.stderr)")
        let wide = try runPromptc(["play", mp3, "--as-caller=g722", "--device", "null"])
        #expect(wide.status == 0 && wide.stderr.contains("raw G.722 (16000 Hz, mono)") && wide.stderr.contains("(g722, 16000 Hz)"), "\(wide.stderr)")
        #expect(callerFiles().isEmpty, "temporary files left: \(callerFiles())")
    }

    @Test("no sound device (a PBX): one line saying so and how to listen elsewhere, exit 1, nothing left behind")
    func noDevice() throws {
        let file = fixture("speech/speech-8k-mono.wav")
        let r = try runPromptc(["play", file, "--as-caller", "--device", "hw:99"])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("promptc: no sound device to play on (ALSA cannot open 'hw:99'"))
        #expect(r.stderr.contains("promptc convert \(file) -o listen.mp3") && r.stderr.contains("--report listen.html"))
        #expect(callerFiles().isEmpty, "temporary files left: \(callerFiles())")
        let bad = try runPromptc(["play", file, "--as-caller=mp3"])
        #expect(bad.status == 2 && bad.stderr.contains("--as-caller takes a prompt format"))
    }
}
