# SPDX-License-Identifier: Apache-2.0
# Fails the build if an instruction-set variant object defines a weak (COMDAT) symbol outside its own
# namespace. The linker keeps one copy of each weak symbol: an AVX-512 copy of, say, an inline helper
# could then be called from the baseline path and crash older CPUs with an illegal instruction.
# Usage: cmake -DNM=<nm> -DNS=<variant namespace> -DOBJECTS=<a;b> -P check_isa_objects.cmake
foreach(obj IN LISTS OBJECTS)
  execute_process(COMMAND ${NM} -C --defined-only ${obj} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "heatbath: '${NM}' could not read ${obj}")
  endif()
  string(REPLACE "\n" ";" lines "${symbols}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^[0-9a-fA-F]* [WVu] (.*)$")
      set(symbol "${CMAKE_MATCH_1}")
      # DW.ref.* are exception-handling data references, not code.
      if(NOT symbol MATCHES "hb::cpu::${NS}::" AND NOT symbol MATCHES "^DW\\.ref\\.")
        message(FATAL_ERROR "heatbath: ${obj} (variant '${NS}') defines the shared weak symbol "
                            "'${symbol}'; keep such code out of the per-ISA kernels or always inline it")
      endif()
    endif()
  endforeach()
endforeach()
