import AudioIO
import Foundation

/// Decodes on its own thread ahead of the DSP, through a fixed pool of blocks: the
/// decoder (libmpg123 / libsndfile) and the resampler then run on two cores at once,
/// and memory stays at `depth` blocks whatever the input's length.
final class ReadAhead: @unchecked Sendable {
    private let source: AudioSource
    private let blockFrames: Int
    private let condition = NSCondition()
    private var filled: [(samples: [Float], frames: Int)] = []
    private var pool: [[Float]]
    private var finished = false
    private var cancelled = false
    private var failure: Error?

    init(source: AudioSource, blockFrames: Int, depth: Int = 4) {
        self.source = source
        self.blockFrames = blockFrames
        pool = Array(repeating: [Float](repeating: 0, count: blockFrames * source.channels), count: depth)
        let thread = Thread { [self] in self.produce() }
        thread.name = "promptc-decoder"
        thread.start()
    }

    private func produce() {
        while true {
            condition.lock()
            while pool.isEmpty && !cancelled { condition.wait() }
            if cancelled { condition.unlock(); return }
            var block = pool.removeLast()
            condition.unlock()
            do {
                let n = try block.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, frames: blockFrames) }
                condition.lock()
                if n == 0 { finished = true } else { filled.append((block, n)) }
                condition.signal()
                condition.unlock()
                if n == 0 { return }
            } catch {
                condition.lock()
                failure = error
                finished = true
                condition.signal()
                condition.unlock()
                return
            }
        }
    }

    /// The next decoded block (interleaved samples, frame count), or nil at the end.
    /// A decoder error is thrown after the blocks decoded before it.
    func next() throws -> (samples: [Float], frames: Int)? {
        condition.lock()
        defer { condition.unlock() }
        while filled.isEmpty && !finished { condition.wait() }
        if !filled.isEmpty { return filled.removeFirst() }
        if let e = failure { throw e }
        return nil
    }

    /// Returns a block to the pool once the DSP is done with it.
    func recycle(_ block: [Float]) {
        condition.lock()
        pool.append(block)
        condition.signal()
        condition.unlock()
    }

    /// Stops the decoder thread (after an error on the consuming side).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
