extension String {
  /// Decodes the UTF-8 bytes before the first NUL, or all of them if there is none.
  ///
  /// libzmq writes C strings into fixed-size buffers; `String(cString:)` on arrays is deprecated.
  init(nulTerminatedUTF8 buffer: UnsafeRawBufferPointer) {
    self.init(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
  }
}
