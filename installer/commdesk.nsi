; commdesk (社区工作台) Windows installer — NSIS 3, Unicode.
;
; Compiled by tools/build_installer.py:
;   makensis -DVERSION=0.1.0 -DBUNDLE_DIR=<dist/commdesk> -DOUTFILE=<dist/commdesk-0.1.0-setup.exe>
;            -DEXE_SUFFIX=.exe installer/commdesk.nsi
; On Linux EXE_SUFFIX is empty and BUNDLE_DIR is the Linux bundle: the script and every File
; command are checked against it (a missing file fails the build); the Windows workflow builds
; the real installer from the Windows bundle.
;
; Per-user install to %LOCALAPPDATA%\Programs\commdesk without administrator rights; when the
; installer is run as administrator it offers an install for all users (Program Files, HKLM);
; /ALLUSERS or /CURRENTUSER on the command line choose without asking. The user's data
; (%LOCALAPPDATA%\commdesk: database, backups, logs) is never touched by install or uninstall.

Unicode true
ManifestDPIAware true
RequestExecutionLevel user
!ifdef NOCOMPRESS
  SetCompress off    ; the test build: the same script and files, checked in seconds
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION
  !error "VERSION is not defined (-DVERSION=x.y.z)"
!endif
!ifndef BUNDLE_DIR
  !error "BUNDLE_DIR is not defined (-DBUNDLE_DIR=path of the PyInstaller bundle dist/commdesk)"
!endif
!ifndef OUTFILE
  !define OUTFILE "commdesk-${VERSION}-setup.exe"
!endif
!ifndef EXE_SUFFIX
  !define EXE_SUFFIX ".exe"
!endif

; what the program cannot run without (the build stops when the bundle lacks it)
!if ! /FileExists "${BUNDLE_DIR}/_internal/commdesk/resources/fonts/wqy-microhei.ttc"
  !error "the bundle has no CJK font (_internal/commdesk/resources/fonts/wqy-microhei.ttc)"
!endif
!if ! /FileExists "${BUNDLE_DIR}/_internal/commdesk/models/migrations/env.py"
  !error "the bundle has no Alembic migrations (_internal/commdesk/models/migrations)"
!endif

!define APP_NAME "社区工作台"
!define APP_ID "commdesk"
!define PUBLISHER "commdesk 项目"
!define MAIN_EXE "commdesk${EXE_SUFFIX}"
!define GUI_EXE "commdeskw${EXE_SUFFIX}"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

Name "${APP_NAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_ID}"
BrandingText "${APP_NAME} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=2052 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=2052 "FileDescription" "${APP_NAME} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "${PUBLISHER}"

Var AllUsers      ; "1": installed for all users (HKLM, Program Files, common shortcuts)
Var DataDir       ; the user's data folder, which stays

!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TITLE "欢迎安装${APP_NAME}"
!define MUI_WELCOMEPAGE_TEXT "本向导将在这台电脑上安装${APP_NAME} ${VERSION}（住户台账、党建、会议与责任清单）。$\r$\n$\r$\n不需要管理员权限，也不需要联网。如果已安装旧版本，将直接升级，所有数据保持不变。$\r$\n$\r$\n点击“下一步”继续。"
!define MUI_FINISHPAGE_RUN "$INSTDIR\${GUI_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "立即启动${APP_NAME}"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "SimpChinese"

; The program files of a running commdesk cannot be opened for writing on Windows: ask the user
; to close it (the data must be saved and closed by the program itself, never by force).
!macro WAIT_NOT_RUNNING
  ${Do}
    StrCpy $R1 "0"
    ${If} ${FileExists} "$INSTDIR\${MAIN_EXE}"
      ClearErrors
      FileOpen $R0 "$INSTDIR\${MAIN_EXE}" a
      ${If} ${Errors}
        StrCpy $R1 "1"
      ${Else}
        FileClose $R0
      ${EndIf}
    ${EndIf}
    ${If} ${FileExists} "$INSTDIR\${GUI_EXE}"
      ClearErrors
      FileOpen $R0 "$INSTDIR\${GUI_EXE}" a
      ${If} ${Errors}
        StrCpy $R1 "1"
      ${Else}
        FileClose $R0
      ${EndIf}
    ${EndIf}
    ${If} $R1 == "0"
      ${Break}
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP_NAME}正在运行。$\r$\n$\r$\n请先在程序里保存工作并关闭所有${APP_NAME}窗口，然后点击“重试”。" /SD IDCANCEL IDRETRY +2
    Abort
  ${Loop}
!macroend

Function .onInit
  StrCpy $AllUsers "0"
  ReadEnvStr $DataDir "LOCALAPPDATA"
  StrCpy $DataDir "$DataDir\${APP_ID}"
  ${GetParameters} $R0
  UserInfo::GetAccountType
  Pop $R1
  ${If} $R1 == "Admin"
    ClearErrors
    ${GetOptions} $R0 "/ALLUSERS" $R2
    ${IfNot} ${Errors}
      StrCpy $AllUsers "1"
    ${Else}
      ClearErrors
      ${GetOptions} $R0 "/CURRENTUSER" $R2
      ${If} ${Errors}
        MessageBox MB_YESNO|MB_ICONQUESTION "安装程序正以管理员身份运行。$\r$\n$\r$\n是否为这台电脑的所有用户安装${APP_NAME}？$\r$\n（选“否”只为当前用户安装。每个用户的数据仍各自保存在自己的用户数据文件夹中。）" /SD IDNO IDNO +2
        StrCpy $AllUsers "1"
      ${EndIf}
    ${EndIf}
  ${EndIf}
  ${If} $AllUsers == "1"
    SetShellVarContext all
    StrCpy $INSTDIR "$PROGRAMFILES64\${APP_ID}"
    ReadRegStr $R3 HKLM "${UNINST_KEY}" "InstallLocation"
  ${Else}
    SetShellVarContext current
    ReadRegStr $R3 HKCU "${UNINST_KEY}" "InstallLocation"
  ${EndIf}
  ; an older version is installed: upgrade it in place
  ${If} $R3 != ""
    StrCpy $INSTDIR $R3
  ${EndIf}
FunctionEnd

Section "${APP_NAME}" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  !insertmacro WAIT_NOT_RUNNING
  ; upgrade in place: the old program files go (a file dropped by the new version must not stay
  ; behind); nothing outside the program folder is touched
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${MAIN_EXE}"
  Delete "$INSTDIR\${GUI_EXE}"
  ; named first, so a bundle without its executables fails the build
  File "${BUNDLE_DIR}/${MAIN_EXE}"
  File "${BUNDLE_DIR}/${GUI_EXE}"
  File /r "${BUNDLE_DIR}/_internal"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APP_NAME}"
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\卸载${APP_NAME}.lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0

  ${GetSize} "$INSTDIR" "/S=0K" $R6 $R7 $R8
  ${If} $AllUsers == "1"
    WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
    WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
    WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
    WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE}"
    WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /ALLUSERS'
    WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /ALLUSERS /S'
    WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" $R6
    WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${Else}
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
    WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
    WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE}"
    WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
    WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
    WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $R6
    WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${EndIf}
SectionEnd

Function un.onInit
  StrCpy $AllUsers "0"
  ReadEnvStr $DataDir "LOCALAPPDATA"
  StrCpy $DataDir "$DataDir\${APP_ID}"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/ALLUSERS" $R2
  ${IfNot} ${Errors}
    StrCpy $AllUsers "1"
    SetShellVarContext all
  ${Else}
    SetShellVarContext current
  ${EndIf}
FunctionEnd

Section "Uninstall"
  !insertmacro WAIT_NOT_RUNNING
  ; only the program: the data folder ($DataDir) is never removed
  Delete "$DESKTOP\${APP_NAME}.lnk"
  Delete "$SMPROGRAMS\${APP_NAME}\${APP_NAME}.lnk"
  Delete "$SMPROGRAMS\${APP_NAME}\卸载${APP_NAME}.lnk"
  RMDir "$SMPROGRAMS\${APP_NAME}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${MAIN_EXE}"
  Delete "$INSTDIR\${GUI_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  ${If} $AllUsers == "1"
    DeleteRegKey HKLM "${UNINST_KEY}"
  ${Else}
    DeleteRegKey HKCU "${UNINST_KEY}"
  ${EndIf}
  MessageBox MB_OK|MB_ICONINFORMATION "${APP_NAME}已卸载。$\r$\n$\r$\n您的数据（数据库、备份和日志）没有删除，仍保存在：$\r$\n$DataDir$\r$\n$\r$\n重新安装后会自动使用这些数据。如确实不再需要，可以自己备份后删除这个文件夹。" /SD IDOK
SectionEnd
