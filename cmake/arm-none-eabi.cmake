# Toolchain file: bare-metal Cortex-M with arm-none-eabi-gcc and newlib.
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DARM_CPU=cortex-m4f ...
# ARM_CPU: cortex-m4f (hard float), cortex-m4, cortex-m3, cortex-m0 (soft float).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY) # no startup code to link a test program

set(ARM_CPU cortex-m4f CACHE STRING "cortex-m4f, cortex-m4, cortex-m3 or cortex-m0")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ARM_CPU)
if(ARM_CPU STREQUAL "cortex-m4f")
  set(arm_flags "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
else()
  set(arm_flags "-mcpu=${ARM_CPU} -mthumb -mfloat-abi=soft")
endif()
set(CMAKE_C_FLAGS_INIT "${arm_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${arm_flags} -specs=nano.specs -specs=nosys.specs")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
