// The non-convolution layers, over HWC views (row ranges, for the thread pool).
#pragma once

#include <stdint.h>

namespace sarwatch {

struct TensorRef {
  int8_t* base;  // first channel of the first pixel of this view
  int c, h, w, pixel_stride;
  int32_t zp;
};

void add_rows(const TensorRef& a, int32_t ma, const TensorRef& b, int32_t mb, int shift, const TensorRef& out, int y0, int y1);
// One concat input into its channel range of the output; mult 0 copies.
void concat_rows(const TensorRef& in, int32_t m, int shift, const TensorRef& out, int channel_offset, int y0, int y1);
void maxpool_rows(const TensorRef& in, int k, int stride, int pad, const TensorRef& out, int y0, int y1);
void upsample_rows(const TensorRef& in, int factor, const TensorRef& out, int y0, int y1);
void lut_rows(const TensorRef& in, const int8_t* lut, const TensorRef& out, int y0, int y1);
// Planar u8 [C][H][W] pixels → HWC codes (pixel − 128, the input's code).
void input_rows(const uint8_t* tile, const TensorRef& out, int y0, int y1);

}  // namespace sarwatch
