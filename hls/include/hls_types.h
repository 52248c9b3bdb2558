// ap_int / hls::stream: Vitis HLS's own headers under Vitis, the csim shim otherwise.
#pragma once

#if defined(__SYNTHESIS__) || defined(__VITIS_HLS__)
#include <ap_int.h>
#include <hls_stream.h>
#else
#include "../shim/ap_int.h"
#include "../shim/hls_stream.h"
#endif
