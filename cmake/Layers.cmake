# The layering check (ARCHITECTURE.md, cmake/check_layers.py): after every production target is
# defined, their sources and declared dependencies are written to layers.txt, and a target that is
# part of every build runs the check, so an include of a module a target does not link, or a cycle
# between targets, fails the build. Test, fuzz and benchmark targets are not checked: tests may
# reach into any module they link.
function(zonewatch_production_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    if(NOT sub MATCHES "/tests(/|$)")
      zonewatch_production_targets(${sub} more)
      list(APPEND targets ${more})
    endif()
  endforeach()
  list(FILTER targets INCLUDE REGEX "^zonewatch")
  list(FILTER targets EXCLUDE REGEX "^zonewatch_warnings$")
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(zonewatch_check_layers)
  zonewatch_production_targets(${PROJECT_SOURCE_DIR} targets)
  set(lines "")
  foreach(t ${targets})
    get_target_property(dir ${t} SOURCE_DIR)
    get_target_property(sources ${t} SOURCES)
    get_target_property(deps ${t} LINK_LIBRARIES)
    if(NOT deps)
      set(deps "")
    endif()
    string(APPEND lines "${t}\t${dir}\t${sources}\t${deps}\n")
  endforeach()
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/layers.txt CONTENT "${lines}")
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  add_custom_target(zonewatch_layers ALL
    COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/cmake/check_layers.py
            ${CMAKE_BINARY_DIR}/layers.txt ${PROJECT_SOURCE_DIR}
    COMMENT "Checking that every include is of a module the target links (ARCHITECTURE.md)"
    VERBATIM)
endfunction()
