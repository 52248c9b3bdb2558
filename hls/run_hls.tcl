# Vitis HLS 2023.2: C simulation, synthesis, co-simulation and export of the
# sarwatch layer engine for the Kria KV260 (xck26-sfvc784-2LV-c).
#
#   vitis_hls -f run_hls.tcl -tclargs <hls dir> <repo root> <part> <clock MHz>
#   (make -C hls hls does this; csim needs a program and tiles: see README)
#
# Environment: SARWATCH_CSIM_ARGS="program.swp tile1.u8 ..." (csim and cosim
# arguments; npm run hls:csim writes such tiles to /tmp/sarwatch-csim/).
set hls  [lindex $argv 0]
set root [lindex $argv 1]
set part [lindex $argv 2]
set mhz  [lindex $argv 3]
if {$part eq ""} { set part xck26-sfvc784-2LV-c }
if {$mhz eq ""}  { set mhz 300 }

set cflags "-std=c++14 -I$hls/include -I$root/native/include"
open_project -reset sarwatch_engine
set_top sarwatch_engine
add_files $hls/src/sarwatch_engine.cpp -cflags $cflags
# The test bench compares against the CPU reference engine, built from the same sources.
foreach f {program.cc engine/executor.cc engine/ops.cc engine/decode.cc engine/conv_scalar.cc engine/cpu_features.cc} {
  add_files -tb $root/native/src/$f -cflags "$cflags -std=c++17"
}
add_files -tb $hls/tb/csim_tb.cpp -cflags "$cflags -std=c++17"

open_solution -reset kv260 -flow_target vitis
set_part $part
create_clock -period [expr {1000.0 / $mhz}] -name default
config_interface -m_axi_alignment_byte_size 64 -m_axi_max_widen_bitwidth 512
config_compile -pipeline_loops 64

set args ""
if {[info exists ::env(SARWATCH_CSIM_ARGS)]} { set args $::env(SARWATCH_CSIM_ARGS) }
csim_design -argv $args
csynth_design
cosim_design -argv $args -trace_level none
export_design -format xo -output [pwd]/sarwatch_engine.xo
exit
